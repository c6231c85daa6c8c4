import Foundation
@_spi(Testing) @testable import GroomerCore
import GroomerTesting
import Testing

/// Faults injected through the fakes and the store, each ending as a recorded outcome with
/// bounded retries: never a lost request, a stuck lock or a half-written delivery.
@Suite struct FaultTests {
    static let key = IssueKey(repository: "octo/hello", number: 7)

    /// GitHub's rate-limit answers in each form it documents: 403 or 429, with `retry-after`,
    /// with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, or with neither (back off).
    @Test(arguments: ["403 retry-after", "429 retry-after", "403 remaining+reset", "429 remaining+reset", "429 bare"])
    func everyRateLimitFormIsWaitedOutAndRetriedOnce(_ form: String) async throws {
        try await FakeGitHub.with({ fake in
            fake.addRepository(Self.key.repository, labels: [.init(name: "bug")])
            fake.addIssue(Self.key.repository, .init(number: 7, title: "t", body: "b"))
        }) { fake in
            let status = Int(form.prefix(3))!
            let headers: [(String, String)]
            switch form.dropFirst(4) {
            case "retry-after": headers = [("retry-after", "1")]
            case "remaining+reset": headers = [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", String(Int(Date().timeIntervalSince1970) + 2))]
            default: headers = []
            }
            fake.inject(.status(status, headers: headers, body: #"{"message":"You have exceeded a secondary rate limit."}"#), method: "GET")
            let client = GitHubRESTClient(baseURL: fake.baseURL, transport: CurlTransport(), credentials: .token("test-token"),
                                          policy: RateLimitPolicy(initialBackoff: 0.5, maxAttempts: 3, maxWait: 10), logger: LLMClientTests.quiet)
            let started = ContinuousClock.now
            let issue = try await client.issue(Self.key, installation: nil)
            #expect(issue.number == 7)
            #expect(fake.requests.count == 2, "one refusal, one retry")
            #expect(ContinuousClock.now - started >= .milliseconds(400), "the retry waited")
        }
    }

    @Test(arguments: Backend.all) func gitHubFaultsDuringARunEndAsRecordedOutcomes(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1, 2, 3, 4, 5]) { h in
            let runner = h.runner()
            // 1: 5xx past the bound. 2: deleted (410). 3: transferred (301). 4: the label write refused (403).
            // 5: every answer slow.
            h.github.inject(.status(503), method: "GET", pathContains: "/issues/1", count: 100)
            h.github.markDeleted(RunHarness.repository, 2)
            h.github.markMoved(RunHarness.repository, 3)
            h.github.inject(.status(403, body: #"{"message":"Resource not accessible by integration"}"#), method: "POST",
                            pathContains: "/issues/4/labels", count: 100)
            h.github.inject(.delay(.milliseconds(300)), pathContains: "/issues/5", count: 100)
            for number in 1...5 { _ = try await h.deliver(issue: number) }
            h.server.clock.advance(by: 15)
            let run = try await runner.run(trigger: .manual)
            let outcomes = Dictionary(run.records.map { ($0.key.number, $0.outcome) }, uniquingKeysWith: { a, _ in a })
            #expect(outcomes == [1: .failed, 2: .skipped, 3: .skipped, 4: .failed, 5: .applied])
            #expect(h.github.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/issues/1") }.count == 2, "bounded: two attempts")
            #expect(try await h.server.store.runLockHolder() == nil, "the lock is released")
            let pending = try await h.server.store.pendingRequests()
            #expect(Set(pending.map(\.key.number)) == [1, 4], "failures stay pending for a later run")
            #expect(pending.allSatisfy { $0.attempts == 1 && $0.lastError != nil })
            for number in 1...5 {
                let audit = try await h.server.store.groomRecords(for: IssueKey(repository: RunHarness.repository, number: number), limit: 5)
                #expect(audit.count == 1, "issue \(number) has its audit record")
            }

            // The faults clear; the next run, past the backoff, grooms what failed.
            h.github.clearFaults()
            h.server.clock.advance(by: 3_600)
            let retry = try await runner.run(trigger: .manual)
            #expect(Set(retry.records.filter { $0.outcome == .applied }.map(\.key.number)) == [1, 4])
            #expect(try await h.server.store.pendingRequests().isEmpty)
            #expect(try await h.server.store.runLockHolder() == nil)
        }
    }

    @Test(arguments: [SQLiteStore.Fault.readOnly, .full])
    func aStoreThatCannotWriteAnswers503AndRecordsNothing(_ fault: SQLiteStore.Fault) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore(path: directory.appendingPathComponent("groomer.sqlite").path)
        try await store.migrate()
        // Large issue bodies, so a full database needs new pages for each delivery.
        let payloads = try (1...12).map { number in
            try Fixtures.payload("issues/opened.payload.json") { payload in
                Fixtures.set(&payload, ["issue", "number"], number)
                Fixtures.set(&payload, ["issue", "body"], String(repeating: "\(number) ", count: 20_000))
            }
        }
        try await TestServer.with(store: store) { server in
            try await store.inject(fault)
            var acknowledged: [Int] = [], refused: [Int] = []
            for (index, payload) in payloads.enumerated() {
                let reply = try await Client.deliver(payload, event: "issues", to: server.webhookURL, guid: "fault-\(index + 1)")
                #expect(reply.status == 202 || reply.status == 503, "\(reply.status) \(reply.body)")
                if reply.status == 503 { refused.append(index + 1) } else { acknowledged.append(index + 1) }
            }
            #expect(!refused.isEmpty, "the fault was felt")
            if fault == .readOnly { #expect(acknowledged.isEmpty) }
            // Nothing half-written: a refused delivery left neither its record nor its request.
            for number in refused {
                #expect(try await store.delivery(hookID: "109948940", guid: "fault-\(number)") == nil)
                #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number)) == nil)
            }
            for number in acknowledged {
                #expect(try await store.delivery(hookID: "109948940", guid: "fault-\(number)") != nil)
                #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number))?.status == .pending)
            }
            #expect(try await Client.send(server.baseURL + "/healthz", method: .GET).status == 200)

            // The disk recovers and GitHub redelivers: every delivery is then recorded exactly once.
            try await store.inject(.none)
            for (index, payload) in payloads.enumerated() {
                let reply = try await Client.deliver(payload, event: "issues", to: server.webhookURL, guid: "fault-\(index + 1)")
                #expect(reply.status == (acknowledged.contains(index + 1) ? 200 : 202))
            }
            #expect(try await store.deliveryCount() == payloads.count)
            #expect(try await store.pendingRequestCount() == payloads.count)
        }
    }

    /// Deliveries committed together when the disk fills part-way through their batch: each is
    /// then tried alone, so those that fit are recorded whole and the rest not at all.
    @Test func aBatchThatFillsTheDiskPartWayRecordsEachDeliveryWholeOrNotAtAll() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore(path: directory.appendingPathComponent("groomer.sqlite").path)
        try await store.migrate()
        let mapper = EventMapper(botLogin: "groomer-bot")
        let deliveries = try (1...12).map { number in
            let payload = try Fixtures.payload("issues/opened.payload.json") { payload in
                Fixtures.set(&payload, ["issue", "number"], number)
                Fixtures.set(&payload, ["issue", "body"], String(repeating: "\(number) ", count: 20_000))
            }
            let mapped = mapper.map(event: "issues", payload: payload, guid: "batch-\(number)", receivedAt: Date())
            return (DeliveryRecord(hookID: "1", guid: "batch-\(number)", event: "issues", mapped: mapped, receivedAt: Date()), mapped.effect)
        }
        // Room for a few of them: the first delivery's pages, then the file may not grow by more than a few.
        _ = try await store.ingest(deliveries[0].0, effect: deliveries[0].1, coalescing: CoalescingPolicy())
        try await store.withConnection { db in
            let pages = try db.query("PRAGMA page_count", []).rows.first?.int64(0) ?? 1
            try db.query("PRAGMA max_page_count = \(pages + 40)", [])
        }
        // The store's thread is held while the other eleven queue, so they form one batch.
        let release = DispatchSemaphore(value: 0)
        let held = Task { try await store.withConnection { _ in release.wait() } }
        let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for (record, effect) in deliveries.dropFirst() {
                group.addTask {
                    do {
                        _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
                        return (record.issueNumber ?? 0, true)
                    } catch {
                        return (record.issueNumber ?? 0, false)
                    }
                }
            }
            while store.queuedIngests < 11 { await Task.yield() }
            release.signal()
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        try await held.value
        let recorded = results.filter(\.value).keys.sorted(), refused = results.filter { !$0.value }.keys.sorted()
        #expect(!recorded.isEmpty, "some fit")
        #expect(!refused.isEmpty, "the disk filled")
        for number in recorded {
            #expect(try await store.delivery(hookID: "1", guid: "batch-\(number)") != nil)
            #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number))?.status == .pending)
        }
        for number in refused {
            #expect(try await store.delivery(hookID: "1", guid: "batch-\(number)") == nil)
            #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number)) == nil)
        }
        #expect(try await store.deliveryCount() == 1 + recorded.count)
        await store.close()
    }
}
