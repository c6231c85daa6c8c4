import Foundation

/// A repository and issue number: the key groom requests are coalesced on.
public struct IssueKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var repository: String
    public var number: Int

    public init(repository: String, number: Int) {
        self.repository = repository
        self.number = number
    }

    public var description: String { "\(repository)#\(number)" }
}

/// A label as GitHub describes it: its name and optional description.
public struct LabelInfo: Hashable, Sendable, Codable {
    public var name: String
    public var description: String?

    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }
}

/// The issue as the delivery's payload showed it. The run reads the live issue from GitHub;
/// this copy lets an offline replay groom without network.
public struct IssueSnapshot: Hashable, Sendable, Codable {
    public var title: String
    public var body: String
    public var state: String
    public var locked: Bool
    public var labels: [LabelInfo]
    public var author: String?

    public init(title: String, body: String, state: String = "open", locked: Bool = false, labels: [LabelInfo] = [], author: String? = nil) {
        self.title = title
        self.body = body
        self.state = state
        self.locked = locked
        self.labels = labels
        self.author = author
    }
}

extension IssueSnapshot {
    /// The snapshot as the store keeps it: the same JSON as its `Codable` form with sorted keys,
    /// written directly because every groom-queueing delivery stores one.
    var storedJSON: String {
        var json = JSONWriter()
        json.object { snapshot in
            if let author { snapshot.field("author", author) }
            snapshot.field("body", body)
            snapshot.key("labels")
            snapshot.array(labels) { writer, label in
                writer.object { object in
                    if let description = label.description { object.field("description", description) }
                    object.field("name", label.name)
                }
            }
            snapshot.field("locked", locked)
            snapshot.field("state", state)
            snapshot.field("title", title)
        }
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
