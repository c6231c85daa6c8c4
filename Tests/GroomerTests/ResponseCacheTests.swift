import Foundation
@testable import GroomerCore
import Testing

/// The ETag cache of GitHub reads stays within its entries and its bytes, oldest out first.
@Suite struct ResponseCacheTests {
    private static func entry(_ bytes: Int, etag: String = "\"e\"") -> ResponseCache.Entry {
        ResponseCache.Entry(etag: etag, body: Data(count: bytes), headers: [])
    }

    @Test func theOldestEntryGoesFirstWhenTheCountIsReached() async {
        let cache = ResponseCache(capacity: 3, byteCapacity: 1 << 20)
        for key in ["a", "b", "c", "d"] { await cache.store(Self.entry(10), for: key) }
        #expect(await cache.entry(for: "a") == nil)
        for key in ["b", "c", "d"] { #expect(await cache.entry(for: key) != nil, "\(key)") }
        #expect(await cache.size.entries == 3)
    }

    @Test func bodiesNeverHoldMoreThanTheByteBound() async {
        let cache = ResponseCache(capacity: 10_000, byteCapacity: 4_000)
        for index in 0..<500 {
            await cache.store(Self.entry(900 + index % 7), for: "k\(index)")
            #expect(await cache.size.bytes <= 4_000)
        }
        // The newest are kept, the oldest gone.
        #expect(await cache.entry(for: "k499") != nil)
        #expect(await cache.entry(for: "k0") == nil)
        #expect(await cache.size.entries == 4)
    }

    @Test func aNewerCopyReplacesTheOldAndItsBytesAreCountedOnce() async {
        let cache = ResponseCache(capacity: 10, byteCapacity: 10_000)
        await cache.store(Self.entry(1_000, etag: "\"1\""), for: "issue")
        await cache.store(Self.entry(500, etag: "\"2\""), for: "issue")
        #expect(await cache.entry(for: "issue")?.etag == "\"2\"")
        #expect(await cache.size.entries == 1)
        #expect(await cache.size.bytes == 500 + 3)
    }

    @Test func aResponseTooLargeToKeepDropsTheStaleCopy() async {
        let cache = ResponseCache(capacity: 10, byteCapacity: 4_000)
        await cache.store(Self.entry(100, etag: "\"old\""), for: "events")
        await cache.store(Self.entry(2_000, etag: "\"new\""), for: "events")
        #expect(await cache.entry(for: "events") == nil, "never answered from the stale copy")
        #expect(await cache.size.bytes == 0)
        // Stored again small, it is kept and later evicted like any other.
        await cache.store(Self.entry(100), for: "events")
        for index in 0..<40 { await cache.store(Self.entry(100), for: "other\(index)") }
        #expect(await cache.size.bytes <= 4_000)
    }
}
