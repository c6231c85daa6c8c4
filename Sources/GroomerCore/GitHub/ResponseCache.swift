import Foundation

/// ETags and bodies of GitHub reads, so a repeated read can ask `If-None-Match` and a 304
/// (which costs no rate limit) is answered from here.
///
/// Bounded twice: by entries and by the bytes of their bodies and headers (an issue's events or
/// a long body can be large, so a count alone does not bound memory). The oldest stored entry
/// goes first, each eviction in constant time; a response larger than a quarter of the byte
/// bound is not kept.
actor ResponseCache {
    struct Entry: Sendable {
        var etag: String
        var body: Data
        var headers: [(name: String, value: String)]

        /// What the entry holds, roughly: its body, its ETag and its headers' text.
        var bytes: Int { body.count + etag.utf8.count + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count } }
    }

    private var entries: [String: Entry] = [:]
    /// Keys in the order they were first stored; `order[oldest...]` are the ones still kept.
    private var order: [String] = []
    private var oldest = 0
    private var bytes = 0
    private let capacity: Int
    private let byteCapacity: Int

    init(capacity: Int = 2_000, byteCapacity: Int = 16 << 20) {
        self.capacity = max(1, capacity)
        self.byteCapacity = max(1, byteCapacity)
    }

    func entry(for key: String) -> Entry? { entries[key] }

    /// Entries and bytes held now.
    var size: (entries: Int, bytes: Int) { (entries.count, bytes) }

    func store(_ entry: Entry, for key: String) {
        let size = entry.bytes
        guard size <= byteCapacity / 4 else {
            // Too large to keep; an older copy would now be stale.
            if let stale = entries.removeValue(forKey: key) { bytes -= stale.bytes }
            return
        }
        if let previous = entries.updateValue(entry, forKey: key) {
            bytes += size - previous.bytes
        } else {
            order.append(key)
            bytes += size
        }
        while entries.count > capacity || bytes > byteCapacity, oldest < order.count {
            let evicted = order[oldest]
            oldest += 1
            // A key dropped as too large is still listed (and, stored again, listed twice: its
            // first listing evicts it early, which costs one full read).
            if let gone = entries.removeValue(forKey: evicted) { bytes -= gone.bytes }
        }
        // Compact once the evicted keys are half the list: amortised constant time.
        if oldest > 64, oldest * 2 > order.count {
            order.removeFirst(oldest)
            oldest = 0
        }
    }
}
