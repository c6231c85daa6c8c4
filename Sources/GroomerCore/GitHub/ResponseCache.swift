import Foundation

/// ETags and bodies of GitHub reads, so a repeated read can ask `If-None-Match` and a 304
/// (which costs no rate limit) is answered from here.
actor ResponseCache {
    struct Entry: Sendable {
        var etag: String
        var body: Data
        var headers: [(name: String, value: String)]
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private let capacity: Int

    init(capacity: Int = 2_000) {
        self.capacity = capacity
    }

    func entry(for key: String) -> Entry? { entries[key] }

    func store(_ entry: Entry, for key: String) {
        if entries.updateValue(entry, forKey: key) == nil {
            order.append(key)
            if order.count > capacity {
                entries[order.removeFirst()] = nil
            }
        }
    }
}
