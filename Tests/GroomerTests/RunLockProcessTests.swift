import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The run lock across real processes sharing one SQLite file.
@Suite(.serialized) struct RunLockProcessTests {
    static let key = IssueKey(repository: RunHarness.repository, number: 1)

    /// Environment and files for `groomer` processes talking to the fakes.
    static func environment(_ directory: URL, github: FakeGitHub, llm: FakeLLM, ttl: Int) throws -> [String: String] {
        let config = directory.appendingPathComponent("groomer.yaml")
        try "dry_run: false\nlock: { ttl_seconds: \(ttl) }\nlabels: [bug, enhancement, question]\n".write(to: config, atomically: true, encoding: .utf8)
        return [
            "GROOMER_DATABASE_URL": "sqlite:\(directory.path)/groomer.sqlite", "GROOMER_CONFIG": config.path,
            "GROOMER_GITHUB_API_URL": github.baseURL, "GROOMER_GITHUB_TOKEN": "test-token",
            "GROOMER_LLM_URL": llm.baseURL, "GROOMER_LLM_API_KEY": llm.apiKey, "GROOMER_LLM_MODEL": "gpt-test",
            "GROOMER_LOG_LEVEL": "error",
        ]
    }

    static func seed(_ github: FakeGitHub) {
        github.addRepository(RunHarness.repository, labels: RunHarness.labels)
        github.addIssue(RunHarness.repository, .init(number: 1, title: "Crash on start", body: "It crashes."))
    }

    @Test func twoProcessesStartingAtOnceGroomOnceAndTheOtherIsBusy() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with(Self.seed) { github in
            try await FakeLLM.with { llm in
                llm.setFallback(.delayed(.seconds(2), content: RunHarness.answer([("bug", 0.95)])))
                let environment = try Self.environment(directory, github: github, llm: llm, ttl: 30)
                let store = try await SQLiteStore(path: "\(directory.path)/groomer.sqlite")
                try await store.migrate()  // both processes find the schema ready
                await store.close()
                let first = GroomerProcess(["groom", "\(Self.key)"], environment: environment)
                let second = GroomerProcess(["groom", "\(Self.key)"], environment: environment)
                try first.start()
                try second.start()
                let statuses = [await first.waitForExit(), await second.waitForExit()]
                #expect(statuses.sorted() == [0, 3], "\(first.stderr) \(second.stderr)")
                let busy = statuses[0] == 3 ? first : second
                #expect(busy.stdout.contains("another run holds the lock"))
                #expect(llm.callCount == 1)
                #expect(github.requests.filter { $0.method == "POST" }.count == 1)
                #expect(github.issue(RunHarness.repository, 1)?.labels == ["bug"])
            }
        }
    }

    @Test func aLockLeftByAKilledRunIsTakenOverAfterItsTTLAndNothingIsLostOrDoneTwice() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with(Self.seed) { github in
            try await FakeLLM.with { llm in
                llm.script([.hang])
                llm.setFallback(.content(RunHarness.answer([("bug", 0.95)])))
                let environment = try Self.environment(directory, github: github, llm: llm, ttl: 3)
                let doomed = GroomerProcess(["groom", "\(Self.key)"], environment: environment)
                try doomed.start()
                let deadline = ContinuousClock.now + .seconds(60)
                while llm.callCount == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(llm.callCount == 1, "the run reached the model")
                doomed.kill(SIGKILL)
                _ = await doomed.waitForExit()

                let store = try await SQLiteStore(path: "\(directory.path)/groomer.sqlite")
                let configuration = try ConfigurationFile.load(path: environment["GROOMER_CONFIG"]!)
                let runner = RunHarness.runner(store: store, github: github, llm: llm, configuration: configuration, clock: SystemClock(), holder: "survivor")
                let killedAt = Date()
                #expect(try await store.runLockHolder() != nil, "the killed run left its lock")
                let early = try await runner.run(trigger: .manual)
                guard case .busy = early else {
                    Issue.record("a fresh lock must not be taken over")
                    return
                }
                var outcome = early
                while case .busy = outcome, Date().timeIntervalSince(killedAt) < 20 {
                    try await Task.sleep(for: .milliseconds(250))
                    outcome = try await runner.run(trigger: .manual)
                }
                // The last heartbeat came at most TTL/3 before the kill: takeover waits for the rest of the TTL.
                #expect(Date().timeIntervalSince(killedAt) >= 1.5, "taken over only once the TTL passed")
                #expect(outcome.summary?.groomed == 1, "the pending request was groomed")
                #expect(llm.callCount == 2)
                #expect(github.requests.filter { $0.method == "POST" }.count == 1)
                #expect(github.issue(RunHarness.repository, 1)?.labels == ["bug"])
                #expect(try await store.pendingRequests().isEmpty)
                #expect(try await store.runLockHolder() == nil)
                #expect(try await store.leaseCount() == 0)
                await store.close()
            }
        }
    }
}
