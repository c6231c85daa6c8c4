import Foundation
@_spi(Benchmark) import GroomerCore
import Testing

/// SPEC §8's retention on a store holding a month of history.
@Suite struct RetentionTests {
    @Test(arguments: Backend.all) func pruningDeletesOnlyDeliveriesOlderThanTheRetentionInSlices(_ backend: Backend) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await backend.makeStore(in: directory)
        guard let sql = store as? any SQLBackedStore else { throw ProcessFailure(message: "not an SQL store") }
        let end = Date(timeIntervalSince1970: 1_800_000_000)
        // 30 days of 12,000 deliveries: one every 216 s, more than two slices older than a week.
        try await sql.fill(SyntheticHistory(deliveries: 12_000, issues: 50, repository: "Codertocat/Hello-World", end: end))
        #expect(try await store.deliveryCount() == 12_000)
        let cutoff = end - 7 * 86_400
        let pruned = try await store.pruneDeliveries(receivedBefore: cutoff)
        let kept = try await store.deliveryCount()
        #expect(pruned + kept == 12_000)
        #expect((9_190...9_210).contains(pruned), "23 of the 30 days are older than the week: \(pruned)")
        let newest = try await store.deliveries(for: IssueKey(repository: "Codertocat/Hello-World", number: 1), limit: 1_000)
        #expect(newest.allSatisfy { $0.receivedAt >= cutoff })
        #expect(try await store.pruneDeliveries(receivedBefore: cutoff) == 0, "a second prune finds nothing")
        #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 50))?.status == .done,
                "requests are not the retention's")
        await store.close()
    }

    /// The steady state SPEC §8 promises: a week's worth arrives, the week before it is pruned,
    /// again and again. Once the first cycles have left free pages (SQLite's free list;
    /// PostgreSQL's free space map, filled by the `VACUUM` after each prune, where a b-tree's
    /// emptied pages come back only a cycle later), the store stops growing.
    @Test(arguments: Backend.all) func aStoreThatPrunesAsFastAsItFillsStopsGrowing(_ backend: Backend) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await backend.makeStore(in: directory)
        guard let sql = store as? any SQLBackedStore else { throw ProcessFailure(message: "not an SQL store") }
        let empty = try await sql.storage().bytes
        let week: TimeInterval = 7 * 86_400
        let start = Date() - 10 * week
        var sizes: [Int64] = []
        for cycle in 0..<5 {
            let weekEnd = start + Double(cycle + 1) * week
            try await sql.fill(SyntheticHistory(deliveries: 20_000, issues: 0, repository: "Codertocat/Hello-World", span: week,
                                                end: weekEnd, guidPrefix: "week\(cycle)"))
            let pruned = try await store.pruneDeliveries(receivedBefore: weekEnd - week)
            #expect(pruned == (cycle == 0 ? 0 : 20_000), "cycle \(cycle) pruned the week before it: \(pruned)")
            sizes.append(try await sql.storage().bytes)
        }
        #expect(try await store.deliveryCount() == 20_000)
        let history = sizes[1] - empty
        #expect(sizes[4] - sizes[2] < history / 10,
                "sizes \(sizes) on an empty \(empty): the pruned weeks' space was not reused")
        await store.close()
    }
}
