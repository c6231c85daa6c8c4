import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// Several `groomer serve` replicas on one PostgreSQL, with the fakes.
@Suite(.serialized, .enabled(if: Backend.postgresURL != nil, "needs GROOMER_TEST_POSTGRES_URL (scripts/test starts a server)"))
struct PostgresReplicaTests {
    struct Cluster {
        let replicas: [GroomerProcess]
        let ports: [Int]
        let database: String
        let environment: [String: String]

        func url(_ index: Int) -> String { "http://127.0.0.1:\(ports[index % ports.count])/webhooks/github" }
    }

    static func startReplicas(_ count: Int, github: FakeGitHub, llm: FakeLLM, directory: URL, ttl: Int = 3,
                              database: String? = nil) async throws -> Cluster {
        let database = try database ?? Backend.freshDatabase()
        let config = directory.appendingPathComponent("groomer.yaml")
        try """
            dry_run: false
            debounce: { quiet_seconds: 1, max_wait_seconds: 5 }
            lock: { ttl_seconds: \(ttl) }
            labels: [bug, enhancement, question]
            """.write(to: config, atomically: true, encoding: .utf8)
        let environment = [
            "GROOMER_DATABASE_URL": database, "GROOMER_CONFIG": config.path, "GROOMER_WEBHOOK_SECRET": TestServer.secret,
            "GROOMER_GITHUB_API_URL": github.baseURL, "GROOMER_GITHUB_TOKEN": "test-token",
            "GROOMER_LLM_URL": llm.baseURL, "GROOMER_LLM_API_KEY": llm.apiKey, "GROOMER_LLM_MODEL": "gpt-test",
            "GROOMER_LOG_LEVEL": "warning",
        ]
        var replicas: [GroomerProcess] = []
        var ports: [Int] = []
        for _ in 0..<count {
            let replica = GroomerProcess(["serve", "--port", "0"], environment: environment.merging(["GROOMER_LOG_LEVEL": "info"]) { $1 })
            try replica.start()
            replicas.append(replica)
        }
        for replica in replicas { ports.append(try await replica.listeningPort()) }
        return Cluster(replicas: replicas, ports: ports, database: database, environment: environment)
    }

    static func seed(_ issues: ClosedRange<Int>) -> (FakeGitHub) -> Void {
        { github in
            github.addRepository(RunHarness.repository, labels: RunHarness.labels)
            for number in issues { github.addIssue(RunHarness.repository, .init(number: number, title: "Crash \(number)", body: "It crashes.")) }
        }
    }

    /// Waits until `condition` holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    @Test func threeReplicasGroomEachIssueExactlyOnceAndNeverOverlap() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with(Self.seed(1...30)) { github in
            try await FakeLLM.with { llm in
                llm.setFallback(.content(RunHarness.answer([("bug", 0.95)])))
                let cluster = try await Self.startReplicas(3, github: github, llm: llm, directory: directory)
                defer { for replica in cluster.replicas { replica.kill(SIGKILL) } }
                let payloads = try (1...30).map { try CoalescingTests.payload(issue: $0) }
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<300 {
                        if index >= 24 { _ = try await group.next() }
                        group.addTask { try await Client.deliver(payloads[index % 30], event: "issues", to: cluster.url(index)).status }
                    }
                    for try await status in group { #expect(status == 202) }
                }
                let labelled = try await Self.eventually(60) {
                    (1...30).allSatisfy { github.issue(RunHarness.repository, $0)?.labels == ["bug"] }
                }
                #expect(labelled)
                let store = try await PostgresStore(url: cluster.database)
                #expect(try await Self.eventually(10) { try await store.pendingRequests().isEmpty })
                #expect(llm.callCount == 30, "each issue groomed exactly once")
                #expect(github.requests.filter { $0.method == "POST" }.count == 30)
                // Runs never overlap in time, whichever replica ran them.
                let runs = try await store.runs(limit: 100, before: nil).filter { $0.summary.considered > 0 }.sorted { $0.startedAt < $1.startedAt }
                #expect(Set(runs.map(\.holder)).count >= 1)
                for (earlier, later) in zip(runs, runs.dropFirst()) {
                    #expect((earlier.finishedAt ?? .distantFuture) <= later.startedAt, "\(earlier.holder) and \(later.holder) overlapped")
                }
                await store.close()
            }
        }
    }

    @Test func whenTheLockHolderIsKilledAnotherReplicaTakesOverAfterTheTTL() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with(Self.seed(1...1)) { github in
            try await FakeLLM.with { llm in
                llm.script([.hang])
                llm.setFallback(.content(RunHarness.answer([("bug", 0.95)])))
                let cluster = try await Self.startReplicas(2, github: github, llm: llm, directory: directory)
                defer { for replica in cluster.replicas { replica.kill(SIGKILL) } }
                #expect(try await Client.deliver(try CoalescingTests.payload(issue: 1), event: "issues", to: cluster.url(0)).status == 202)
                #expect(try await Self.eventually(30) { llm.callCount >= 1 })
                let store = try await PostgresStore(url: cluster.database)
                let holder = try #require(try await store.runLockHolder())
                let pid = try #require(holder.split(separator: ":").last.flatMap { Int32($0) })
                let victim = try #require(cluster.replicas.first { $0.process.processIdentifier == pid })
                victim.kill(SIGKILL)
                #expect(try await Self.eventually(40) { github.issue(RunHarness.repository, 1)?.labels == ["bug"] }, "the survivor groomed it")
                #expect(llm.callCount == 2)
                #expect(github.requests.filter { $0.method == "POST" }.count == 1)
                #expect(try await Self.eventually(10) { try await store.pendingRequests().isEmpty })
                #expect(try await store.runLockHolder().map { !$0.hasSuffix(":\(pid)") } ?? true)
                await store.close()
            }
        }
    }

    @Test func aPostgresRestartGives503sThenEveryAcknowledgedDeliveryIsGroomed() async throws {
        // A server of its own: stopping the one the other suites share would fail them.
        let control = try #require(ProcessInfo.processInfo.environment["GROOMER_TEST_POSTGRES_CTL"], "scripts/with-postgres sets it")
        let server: String = try #require(Backend.restartablePostgresURL, "scripts/with-postgres sets it")
        let database = try Backend.freshDatabase(on: server)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeGitHub.with(Self.seed(1...12)) { github in
            try await FakeLLM.with { llm in
                llm.setFallback(.content(RunHarness.answer([("bug", 0.95)])))
                let cluster = try await Self.startReplicas(2, github: github, llm: llm, directory: directory, database: database)
                defer { for replica in cluster.replicas { replica.kill(SIGKILL) } }
                var acknowledged: Set<Int> = []
                for number in 1...4 where try await Client.deliver(try CoalescingTests.payload(issue: number), event: "issues", to: cluster.url(number)).status == 202 {
                    acknowledged.insert(number)
                }
                #expect(try Self.shell("\(control) stop -m fast") == 0)
                for number in 5...8 {
                    let reply = try await Client.deliver(try CoalescingTests.payload(issue: number), event: "issues", to: cluster.url(number))
                    #expect(reply.status == 503, "the store is down")
                }
                #expect(try Self.shell("\(control) start") == 0)
                for number in 9...12 {
                    let delivered = try await Self.eventually(20) {
                        (try? await Client.deliver(try CoalescingTests.payload(issue: number), event: "issues", to: cluster.url(number)).status) == 202
                    }
                    #expect(delivered, "the replicas recovered without a restart")
                    acknowledged.insert(number)
                }
                #expect(try await Self.eventually(60) {
                    acknowledged.allSatisfy { github.issue(RunHarness.repository, $0)?.labels == ["bug"] }
                }, "every acknowledged delivery was groomed")
                #expect(cluster.replicas.allSatisfy { $0.process.isRunning })
            }
        }
    }

    @Test func racingTakersOfAStaleLockNeverBothWin() async throws {
        let database = try Backend.freshDatabase()
        let setup = try await PostgresStore(url: database)
        try await setup.migrate()
        let racers = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<12 { group.addTask { try await PostgresStore(url: database, poolSize: 1) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        for generation in 0..<40 {
            // Make whatever lock exists stale, then let every racer try at once.
            #expect(try Backend.psql(database, "UPDATE run_lock SET heartbeat_at = 0") == 0)
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, racer) in racers.enumerated() {
                    group.addTask {
                        try await racer.acquireRunLock(token: "g\(generation)-r\(index)", holder: "racer-\(index)", ttl: 60, now: Date()) == .acquired
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1, "generation \(generation): \(winners) winners")
        }
        for racer in racers { await racer.close() }
        await setup.close()
    }

    /// Runs `command` with `/bin/sh` through posix_spawn and waits for it. Foundation's Process
    /// would also wait for any daemon the command leaves behind (pg_ctl start leaves postgres).
    static func shell(_ command: String) throws -> Int32 {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", command + " </dev/null >/dev/null 2>&1"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { throw ProcessFailure(message: "cannot spawn /bin/sh") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status >> 8) & 0xff
    }
}
