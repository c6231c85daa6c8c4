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

/// A human's label change on an issue, as the `labeled`/`unlabeled` deliveries report it.
public struct LabelDecision: Sendable, Equatable, Codable {
    public enum Change: String, Sendable, Codable { case added, removed }

    public var issue: IssueKey
    public var label: String
    public var change: Change
    public var actor: String
    public var decidedAt: Date
    public var deliveryGUID: String?

    public init(issue: IssueKey, label: String, change: Change, actor: String, decidedAt: Date, deliveryGUID: String?) {
        self.issue = issue
        self.label = label
        self.change = change
        self.actor = actor
        self.decidedAt = decidedAt
        self.deliveryGUID = deliveryGUID
    }
}
