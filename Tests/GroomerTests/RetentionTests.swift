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
}
