import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// Graceful shutdown of `groomer serve` (issue: operator surface): SIGTERM mid-run.
@Suite(.serialized) struct ShutdownTests {
    @Test func sigtermDuringARunLeavesNoLockOrLeaseAndThePendingRequestsAreGroomedByTheNextProcess() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with({ github in
            github.addRepository(RunHarness.repository, labels: RunHarness.labels)
            for number in 1...6 { github.addIssue(RunHarness.repository, .init(number: number, title: "Crash \(number)", body: "It crashes.")) }
        }) { github in
            try await FakeLLM.with { llm in
                llm.setFallback(.delayed(.seconds(2), content: RunHarness.answer([("bug", 0.95)])))
                var environment = try RunLockProcessTests.environment(directory, github: github, llm: llm, ttl: 30)
                try "dry_run: false\ndebounce: { quiet_seconds: 1, max_wait_seconds: 5 }\nlabels: [bug, enhancement]\n"
                    .write(toFile: environment["GROOMER_CONFIG"]!, atomically: true, encoding: .utf8)
                environment["GROOMER_WEBHOOK_SECRET"] = TestServer.secret
                environment["GROOMER_LOG_LEVEL"] = "info"

                let first = GroomerProcess(["serve", "--port", "0"], environment: environment)
                try first.start()
                let port = try await first.listeningPort()
                for number in 1...6 {
                    let payload = try CoalescingTests.payload(issue: number)
                    #expect(try await Client.deliver(payload, event: "issues", to: "http://127.0.0.1:\(port)/webhooks/github").status == 202)
                }
                let deadline = ContinuousClock.now + .seconds(30)
                while llm.callCount < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(llm.callCount >= 4, "grooms in flight")
                first.kill(SIGTERM)
                let status = await first.waitForExit()
                #expect(status == 0, "\(first.stderr.suffix(2_000))")
                #expect(first.stderr.contains("stopped"))

                let store = try await SQLiteStore(path: "\(directory.path)/groomer.sqlite")
                #expect(try await store.runLockHolder() == nil, "no lock row left behind")
                #expect(try await store.leaseCount() == 0, "no lease left behind")
                let pending = try await store.pendingRequests()
                let started = llm.callCount
                #expect(pending.count == 6 - started, "the grooms in flight finished; the issues not started stay pending")
                #expect(pending.count >= 1)
                #expect(github.requests.filter { $0.method == "POST" }.count == started)

                let second = GroomerProcess(["serve", "--port", "0"], environment: environment)
                try second.start()
                _ = try await second.listeningPort()
                while try await store.pendingRequests().count > 0, ContinuousClock.now < deadline + .seconds(30) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                second.kill(SIGTERM)
                #expect(await second.waitForExit() == 0)
                #expect(try await store.pendingRequests().isEmpty)
                #expect(llm.callCount == 6, "each issue groomed exactly once")
                for number in 1...6 { #expect(github.issue(RunHarness.repository, number)?.labels == ["bug"]) }
                await store.close()
            }
        }
    }
}
