import Foundation
@testable import GroomerCore
import GroomerTesting
import Synchronization
import Testing

/// A bounded soak: thousands of deliveries over hundreds of issues into a real `groomer serve`
/// process that grooms against the fake GitHub and fake LLM while faults fire at a set rate, the
/// process SIGKILLed and restarted along the way. At the end the store and the fakes are audited
/// for the promises of RELIABILITY.md: no delivery lost, no issue groomed twice.
///
/// The short profile runs with the tests; `GROOMER_SOAK=long` runs the long one
/// (`scripts/reliability --long`). Figures are printed as a `soak:` line.
@Suite(.serialized) struct SoakTests {
    struct Profile: Sendable {
        var name: String
        var deliveries: Int
        var issues: Int
        var kills: Int
        var inFlight = 16
        /// One LLM answer in `llmFaultEvery` is a 500 or garbage; one GitHub answer in `githubFaultEvery` a 503 or a 429.
        var llmFaultEvery = 7
        var githubFaultEvery = 11
    }

    static let profile: Profile = ProcessInfo.processInfo.environment["GROOMER_SOAK"] == "long"
        ? Profile(name: "long", deliveries: 12_000, issues: 600, kills: 6)
        : Profile(name: "short", deliveries: 1_200, issues: 120, kills: 2)

    static let candidates: Set = ["bug", "enhancement", "question", "documentation"]

    @Test func soak() async throws {
        let profile = Self.profile
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = ContinuousClock.now
        try await FakeGitHub.with({ github in
            github.addRepository(RunHarness.repository, labels: RunHarness.labels)
            for number in 1...profile.issues {
                github.addIssue(RunHarness.repository, .init(number: number, title: Self.title(number, 0), body: "It crashes when I open it."))
            }
        }) { github in
            try await FakeLLM.with { llm in
                // The model always proposes a candidate and a label outside the set, which must never be written.
                llm.setFallback(.content(RunHarness.answer([("bug", 0.95), ("security", 0.99)])))
                llm.failEvery(profile.llmFaultEvery, with: .status(500))
                github.failEvery(profile.githubFaultEvery, with: .status(503))
                github.failEvery(profile.githubFaultEvery * 3 + 1, with: .status(429, headers: [("retry-after", "1")]))
                let configuration = directory.appendingPathComponent("groomer.yaml")
                try """
                dry_run: false
                labels: [bug, enhancement, question, documentation]
                groups: [[bug, enhancement, question]]
                debounce: {quiet_seconds: 1, max_wait_seconds: 3}
                lock: {ttl_seconds: 3}
                """.write(to: configuration, atomically: true, encoding: .utf8)
                let environment = [
                    "GROOMER_WEBHOOK_SECRET": TestServer.secret, "GROOMER_DATABASE_URL": "sqlite:\(directory.path)/groomer.sqlite",
                    "GROOMER_CONFIG": configuration.path, "GROOMER_GITHUB_TOKEN": "test-token", "GROOMER_GITHUB_API_URL": github.baseURL,
                    "GROOMER_LLM_URL": llm.baseURL, "GROOMER_LLM_API_KEY": llm.apiKey, "GROOMER_LLM_MODEL": "gpt-test",
                    "GROOMER_BOT_LOGIN": "groomer-bot",
                    // The long profile writes thousands of labels in minutes; the fake enforces no hourly limit.
                    "GROOMER_GITHUB_WRITES_PER_HOUR": "0",
                ]
                let supervisor = try await Supervisor(environment: environment)
                let driver = Driver(profile: profile, github: github)

                // Deliveries, `inFlight` at a time, each retried until acknowledged (as GitHub redelivers);
                // the server is killed and restarted at evenly spaced points.
                let killPoints = Set((1...max(profile.kills, 1)).map { $0 * profile.deliveries / (profile.kills + 1) }.prefix(profile.kills))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<profile.deliveries {
                        if index >= profile.inFlight { try await group.next() }
                        if killPoints.contains(index) { try await supervisor.restart() }
                        let delivery = driver.next(index)
                        group.addTask { try await driver.deliver(delivery, through: supervisor) }
                    }
                    try await group.waitForAll()
                }

                // Every request groomed, then the audit.
                let store = try await SQLiteStore(path: "\(directory.path)/groomer.sqlite")
                let drained = try await Self.waitUntilDrained(store, deadline: .seconds(profile.name == "long" ? 900 : 240))
                let peakMiB = try await supervisor.stop()
                #expect(peakMiB > 0 && peakMiB < 256, "the server's memory stays bounded: \(peakMiB) MiB")
                #expect(drained, "every groom request reached an end")

                var lost: [String] = []
                for guid in driver.acknowledged where try await store.delivery(hookID: "109948940", guid: guid) == nil { lost.append(guid) }
                #expect(lost.isEmpty, "acknowledged but not recorded: \(lost.prefix(10))")

                let completions = llm.completed.map { String(decoding: $0.body, as: UTF8.self) }
                var neverGroomed: [Int] = [], groomedTwice: [Int] = []
                for number in driver.queued.sorted() {
                    let latest = Self.title(number, driver.version(of: number))
                    let triaged = completions.filter { $0.contains(latest) }.count
                    if triaged == 0 { neverGroomed.append(number) }
                    if triaged > 1 { groomedTwice.append(number) }
                    let records = try await store.groomRecords(for: IssueKey(repository: RunHarness.repository, number: number), limit: 1)
                    #expect(records.first.map { $0.outcome != .failed } ?? false, "issue \(number)'s last groom ended well")
                }
                #expect(neverGroomed.isEmpty, "latest content never triaged: \(neverGroomed.prefix(10))")
                // A SIGKILL between the model's answer and the audit record repeats one triage; nothing else may.
                #expect(groomedTwice.count <= profile.kills * 4, "latest content triaged twice: \(groomedTwice)")

                let writes = github.requests.filter { $0.path.hasSuffix("/labels") && $0.method == "POST" }
                var outside: Set<String> = []
                for request in writes { for name in FakeGitHub.labelNames(request.body) ?? [] where !Self.candidates.contains(name) { outside.insert(name) } }
                #expect(outside.isEmpty, "labels outside the candidates written: \(outside)")
                var readded: [Int] = []
                for number in driver.humanRemovedBug where github.issue(RunHarness.repository, number)?.labels.contains("bug") == true {
                    readded.append(number)
                }
                #expect(readded.isEmpty, "a label a human removed was added back: \(readded)")
                #expect(try await store.runLockHolder() == nil, "no run lock left")
                #expect(try await store.leaseCount() == 0, "no issue lease left")

                await store.close()
                let seconds = Double((ContinuousClock.now - started).components.seconds)
                print("""
                    soak: profile \(profile.name): \(profile.deliveries) deliveries (\(driver.acknowledged.count) acknowledged, \
                    \(driver.retries) redelivered) over \(profile.issues) issues in \(Int(seconds)) s; \(profile.kills) SIGKILLs; \
                    \(llm.requests.count) LLM requests (\(llm.requests.count - llm.completed.count) faulted), \(github.requests.count) GitHub \
                    requests, \(writes.count) label writes; server peak RSS \(Int(peakMiB)) MiB (last process); lost \(lost.count), never groomed \(neverGroomed.count), triaged twice \
                    \(groomedTwice.count), outside the candidates \(outside.count), human removals undone \(readded.count)
                    """)
            }
        }
    }

    static func title(_ number: Int, _ version: Int) -> String { "Soak issue \(number) version \(version) crashes" }

    /// Polls the store (another process's) until no request is pending and no lock or lease is held.
    static func waitUntilDrained(_ store: SQLiteStore, deadline: Duration) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            let pending = try await store.pendingRequestCount()
            let holder = try await store.runLockHolder()
            let leases = try await store.leaseCount()
            if pending == 0 && holder == nil && leases == 0 { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// The `groomer serve` process of the moment; killed with SIGKILL and restarted on the same file.
    actor Supervisor {
        private let environment: [String: String]
        private var process: GroomerProcess
        private(set) var url: String

        init(environment: [String: String]) async throws {
            self.environment = environment
            process = GroomerProcess(["serve", "--port", "0"], environment: environment)
            try process.start()
            url = "http://127.0.0.1:\(try await process.listeningPort())/webhooks/github"
        }

        func restart() async throws {
            process.kill(SIGKILL)
            _ = await process.waitForExit()
            process = GroomerProcess(["serve", "--port", "0"], environment: environment)
            try process.start()
            url = "http://127.0.0.1:\(try await process.listeningPort())/webhooks/github"
        }

        /// Stops the server with SIGTERM; returns its peak resident memory in MiB.
        func stop() async throws -> Double {
            let status = (try? String(contentsOfFile: "/proc/\(process.process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
                .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 / 1024 } ?? 0
            process.kill(SIGTERM)
            _ = await process.waitForExit()
            return peak
        }
    }

    /// What to deliver, and what was acknowledged.
    final class Driver: Sendable {
        enum Kind: Sendable { case edit(version: Int), comment, humanRemovesBug }
        struct Delivery: Sendable {
            var guid: String
            var issue: Int
            var kind: Kind
            var payload: Data
            var event: String
        }

        let profile: Profile
        let github: FakeGitHub
        private let state = Mutex(State())
        struct State {
            var versions: [Int: Int] = [:]
            var acknowledged: [String] = []
            var humanRemovedBug: Set<Int> = []
            /// Issues with at least one delivery that queues a groom.
            var queued: Set<Int> = []
            var retries = 0
            var generator = SplitMix64(seed: 0x736F_616B)
        }

        init(profile: Profile, github: FakeGitHub) {
            self.profile = profile
            self.github = github
        }

        var acknowledged: [String] { state.withLock { $0.acknowledged } }
        var humanRemovedBug: Set<Int> { state.withLock { $0.humanRemovedBug } }
        var queued: Set<Int> { state.withLock { $0.queued } }
        var retries: Int { state.withLock { $0.retries } }
        func version(of issue: Int) -> Int { state.withLock { $0.versions[issue] ?? 0 } }

        /// The `index`-th delivery: mostly edits (a new title each), then comments, then a human
        /// removing `bug`. The fake GitHub changes first, as GitHub does before it delivers.
        func next(_ index: Int) -> Delivery {
            let (issue, roll) = state.withLock { state in
                (Int.random(in: 1...profile.issues, using: &state.generator), Int.random(in: 0..<10, using: &state.generator))
            }
            let guid = "soak-\(index)"
            if roll < 9 { state.withLock { _ = $0.queued.insert(issue) } }
            switch roll {
            case 0..<6:
                let version = state.withLock { state in
                    state.versions[issue, default: 0] += 1
                    return state.versions[issue]!
                }
                github.updateIssue(RunHarness.repository, issue) { $0.title = SoakTests.title(issue, version) }
                return Delivery(guid: guid, issue: issue, kind: .edit(version: version),
                                payload: Self.payload("issues/edited.payload.json", issue: issue, title: SoakTests.title(issue, version)), event: "issues")
            case 6..<9:
                return Delivery(guid: guid, issue: issue, kind: .comment,
                                payload: Self.payload("issue_comment/created.payload.json", issue: issue, title: nil), event: "issue_comment")
            default:
                // A human removes `bug` only where it is; elsewhere they comment instead.
                guard github.issue(RunHarness.repository, issue)?.labels.contains("bug") == true else {
                    state.withLock { _ = $0.queued.insert(issue) }
                    return Delivery(guid: guid, issue: issue, kind: .comment,
                                    payload: Self.payload("issue_comment/created.payload.json", issue: issue, title: nil), event: "issue_comment")
                }
                state.withLock { _ = $0.humanRemovedBug.insert(issue) }
                github.humanLabelChange(RunHarness.repository, issue, label: "bug", added: false)
                return Delivery(guid: guid, issue: issue, kind: .humanRemovesBug,
                                payload: Self.payload("issues/unlabeled.payload.json", issue: issue, title: nil, label: "bug"), event: "issues")
            }
        }

        /// Delivers until a 2xx, as GitHub redelivers a failed delivery with its GUID.
        func deliver(_ delivery: Delivery, through supervisor: Supervisor) async throws {
            for attempt in 0..<200 {
                let url = await supervisor.url
                if let reply = try? await Client.deliver(delivery.payload, event: delivery.event, to: url, guid: delivery.guid, timeout: .seconds(10)),
                   (200..<300).contains(reply.status) {
                    state.withLock { $0.acknowledged.append(delivery.guid) }
                    return
                }
                if attempt == 0 { state.withLock { $0.retries += 1 } }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("delivery \(delivery.guid) never acknowledged")
        }

        /// A recorded payload for `issue`, in installation 1000 + issue % 40 (each installation's
        /// writes are spaced a second apart), with its title or label set.
        static func payload(_ fixture: String, issue: Int, title: String?, label: String? = nil) -> Data {
            (try? Fixtures.payload(fixture) { payload in
                Fixtures.set(&payload, ["issue", "number"], issue)
                Fixtures.set(&payload, ["installation", "id"], 1_000 + issue % 40)
                if let title { Fixtures.set(&payload, ["issue", "title"], title) }
                if let label { Fixtures.set(&payload, ["label", "name"], label) }
                Fixtures.set(&payload, ["sender", "login"], "maintainer")
                Fixtures.set(&payload, ["sender", "type"], "User")
            }) ?? Data()
        }
    }
}
