import Foundation
import GroomerCore
import Testing

/// PostgreSQL's group commit: concurrent deliveries share transactions, and one that the
/// server refuses fails alone.
@Suite(.enabled(if: Backend.postgresURL != nil, "needs the test PostgreSQL"))
struct PostgresGroupCommitTests {
    @Test func aDeliveryTheServerRefusesFailsAloneAndEveryOtherIsRecordedOnce() async throws {
        let url = try Backend.freshDatabase()
        let store = try await PostgresStore(url: url)
        try await store.migrate()
        // A delivery from sender "poison" violates a constraint only this test adds.
        #expect(try Backend.psql(url, "ALTER TABLE deliveries ADD CONSTRAINT no_poison CHECK (sender <> 'poison')") == 0)
        let payload = try Fixtures.payload("issues/edited.payload.json") { _ in }
        let mapped = EventMapper(botLogin: "groomer-bot").map(event: "issues", payload: payload, guid: "g", receivedAt: Date())
        guard case .groom(let key, _, _) = mapped.effect else { throw ProcessFailure(message: "the payload grooms nothing") }
        let total = 200, poisoned: Set<Int> = [17, 101]

        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<total {
                group.addTask {
                    var delivery = DeliveryRecord(hookID: "1", guid: "burst-\(index)", event: "issues", mapped: mapped, receivedAt: Date())
                    if poisoned.contains(index) { delivery.sender = "poison" }
                    do {
                        let result = try await store.ingest(delivery, effect: mapped.effect, coalescing: CoalescingPolicy())
                        guard case .recorded(.queued, _) = result else { return (index, false) }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == total)
        #expect(Set(outcomes.filter { !$0.value }.keys) == poisoned, "only the refused deliveries failed")
        #expect(try await store.deliveryCount() == total - poisoned.count)
        #expect(try await store.groomRequest(key)?.events == total - poisoned.count, "each recorded delivery coalesced once")
        await store.close()
    }
}
