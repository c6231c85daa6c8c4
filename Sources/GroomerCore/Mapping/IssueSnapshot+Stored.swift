import Foundation

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
