import Foundation
import GroomerCore
import Testing

/// The coalescing rule through the live receiver: bursts coalesce into one request per issue.
@Suite struct CoalescingTests {
    static func payload(issue: Int, repository: String = "Codertocat/Hello-World") throws -> Data {
        try Fixtures.payload("issues/edited.payload.json") { payload in
            var issueObject = payload["issue"] as! [String: Any]
            issueObject["number"] = issue
            payload["issue"] = issueObject
            var repo = payload["repository"] as! [String: Any]
            repo["full_name"] = repository
            payload["repository"] = repo
        }
    }

    @Test(arguments: Backend.all) func aBurstOf200DeliveriesFor10IssuesLeaves10PendingRequests(_ backend: Backend) async throws {
        let payloads = try (1...10).map { try Self.payload(issue: $0) }
        try await TestServer.with(backend: backend) { server in
            let start = server.clock.now()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await Client.deliver(payloads[index % 10], event: "issues", to: server.webhookURL, guid: "burst-\(index)").status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 202 })
            #expect(try await server.store.deliveryCount() == 200)
            let pending = try await server.store.pendingRequests()
            #expect(pending.count == 10)
            #expect(Set(pending.map(\.key.number)) == Set(1...10))
            for request in pending {
                #expect(request.events == 20)
                #expect(request.firstEventAt == start)
                #expect(request.dueAt == CoalescingPolicy().dueTime(firstEvent: start, lastEvent: start))
                #expect(request.dueAt == start + 15)
            }

            // A redelivered GUID changes nothing.
            let again = try await Client.deliver(payloads[3], event: "issues", to: server.webhookURL, guid: "burst-3")
            #expect(again.json["duplicate"] as? Bool == true)
            #expect(try await server.store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 4))?.events == 20)
        }
    }

    @Test(arguments: Backend.all) func dueTimeMovesWithEachEventButNeverPastTheMaximumWait(_ backend: Backend) async throws {
        let payload = try Self.payload(issue: 7)
        let key = IssueKey(repository: "Codertocat/Hello-World", number: 7)
        try await TestServer.with(backend: backend) { server in
            let first = server.clock.now()
            _ = try await Client.deliver(payload, event: "issues", to: server.webhookURL)
            #expect(try await server.store.groomRequest(key)?.dueAt == first + 15)

            server.clock.advance(by: 10)
            _ = try await Client.deliver(payload, event: "issues", to: server.webhookURL)
            #expect(try await server.store.groomRequest(key)?.dueAt == first + 25)

            for _ in 0..<11 {  // events every 10 s keep pushing the due time out…
                server.clock.advance(by: 10)
                _ = try await Client.deliver(payload, event: "issues", to: server.webhookURL)
            }
            let capped = try await server.store.groomRequest(key)
            #expect(capped?.dueAt == first + 120, "…until the maximum wait caps it")
            #expect(capped?.firstEventAt == first)
            #expect(capped?.events == 13)
        }
    }

    @Test(arguments: Backend.all) func perRepositoryDebounceComesFromTheConfiguration(_ backend: Backend) async throws {
        let configuration = try ConfigurationFile.parse("""
            debounce: { quiet_seconds: 30, max_wait_seconds: 60 }
            repositories:
              "octo-org/fast": { debounce: { quiet_seconds: 2 } }
            """, source: "test.yaml")
        try await TestServer.with(backend: backend, configuration: configuration) { server in
            let now = server.clock.now()
            _ = try await Client.deliver(try Self.payload(issue: 1), event: "issues", to: server.webhookURL)
            _ = try await Client.deliver(try Self.payload(issue: 1, repository: "octo-org/fast"), event: "issues", to: server.webhookURL)
            #expect(try await server.store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 1))?.dueAt == now + 30)
            #expect(try await server.store.groomRequest(IssueKey(repository: "octo-org/fast", number: 1))?.dueAt == now + 2)
        }
    }

    /// Two `groomer groom` processes started together: the second's request must not move the
    /// first's past the instant its run read the clock, or that run finds nothing due.
    @Test(arguments: Backend.all) func aSecondForcedRequestNeverPostponesOneAlreadyDue(_ backend: Backend) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await backend.makeStore(in: directory)
        let key = IssueKey(repository: "Codertocat/Hello-World", number: 3)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await store.enqueueForced(key, installationID: nil, now: t0)
        let second = try await store.enqueueForced(key, installationID: nil, now: t0 + 1)
        #expect(second.dueAt == t0)
        #expect(second.version == 2)
        #expect(try await store.dueRequests(now: t0, limit: 10).map(\.key) == [key])

        let claimed = try await store.dueRequests(now: t0, limit: 10)[0]
        try await store.completeRequest(key, version: claimed.version, completion: .done, claimedAt: t0,
                                        coalescing: CoalescingPolicy(), now: t0)
        let again = try await store.enqueueForced(key, installationID: nil, now: t0 + 60)
        #expect(again.dueAt == t0 + 60, "a request groomed already is due when asked for again")
        await store.close()
    }

    @Test func dueTimeIsTheEarlierOfQuietAfterLastAndMaxWaitAfterFirst() {
        let policy = CoalescingPolicy(quiet: 15, maxWait: 120)
        let t0 = Date(timeIntervalSince1970: 1_000)
        #expect(policy.dueTime(firstEvent: t0, lastEvent: t0) == t0 + 15)
        #expect(policy.dueTime(firstEvent: t0, lastEvent: t0 + 100) == t0 + 115)
        #expect(policy.dueTime(firstEvent: t0, lastEvent: t0 + 110) == t0 + 120)
        #expect(CoalescingPolicy(quiet: 30, maxWait: 10).dueTime(firstEvent: t0, lastEvent: t0) == t0 + 10)
    }
}
