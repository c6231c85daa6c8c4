import Foundation
@_spi(Benchmark) import GroomerCore
import GroomerTesting
import Testing

/// The long-queue scenario of the growth benchmark: many requests due at once (as a backfill
/// leaves them), groomed run after run by the real runner against the fake GitHub, which
/// enforces a secondary write limit, and a fake LLM that answers after a set latency.
///
/// It asserts what must hold however long the queue (each issue groomed once with one LLM call
/// and one write, no write refused by the limit, no run losing its lock although runs outlast
/// its TTL, a rival refused mid-run) and prints, per run, the time per groomed issue and the
/// process's memory (resident, and the heap in use); `GROOMER_BENCH_LONG_QUEUE` sets the queue's length (default 400) and
/// `GROOMER_BENCH_REPORT` a file for the JSON. Time and memory are printed, never asserted.
@Suite struct LongQueueScenarioTests {
    static let queue = ProcessInfo.processInfo.environment["GROOMER_BENCH_LONG_QUEUE"].flatMap(Int.init) ?? 400
    static let latency = Duration.milliseconds(20)
    static let spacing = Duration.milliseconds(10)

    @Test func aLongQueueIsGroomedOnceEachWithinTheWriteLimitAndTheLocksTTL() async throws {
        let numbers = Array(1...Self.queue)
        let configuration = try RunHarness.configuration("lock: { ttl_seconds: 3 }\n")
        try await RunHarness.with(configuration: configuration, issues: numbers) { h in
            h.llm.setFallback(.delayed(Self.latency, content: RunHarness.answer([("bug", 0.95)])))
            h.github.enforceWriteSpacing(Self.spacing / 2)
            var runner = h.runner(clock: SystemClock(), mutationSpacing: Self.spacing)
            // A run of up to 400 issues spends at least 4 s on its writes alone: longer than the lock's TTL.
            runner.batchSize = min(Self.queue, 400)
            let rival = h.runner(clock: SystemClock(), holder: "rival")
            let now = Date()
            for number in numbers {
                _ = try await h.server.store.enqueueForced(IssueKey(repository: RunHarness.repository, number: number),
                                                           installationID: nil, now: now)
            }

            // Mid-way through the first run, a rival asks for the lock: the heartbeat has kept it.
            let (llm, half) = (h.llm, runner.batchSize / 2)
            let rivalAnswer = Task {
                while llm.callCount < half { try await Task.sleep(for: .milliseconds(5)) }
                return try await rival.run(trigger: .manual)
            }
            var runs: [Report.Run] = []
            var posts = 0
            while true {
                let started = ContinuousClock.now
                let outcome = try await runner.run(trigger: .scheduler)
                let seconds = (ContinuousClock.now - started) / .seconds(1)
                guard let summary = outcome.summary, summary.considered > 0 else { break }
                #expect(summary.result == .completed, "run \(runs.count + 1) kept its lock")
                posts += h.github.requests.filter { $0.method == "POST" }.count
                h.github.forgetRequests()
                h.llm.forgetRequests()
                runs.append(Report.Run(groomed: summary.groomed, seconds: seconds,
                                       millisecondsPerIssue: seconds * 1000 / Double(max(1, summary.groomed)),
                                       pendingAfter: try await h.server.store.pendingRequestCount(),
                                       residentMiB: Self.residentMiB(),
                                       heapMiB: Double(AllocatorTuning.heapBytesInUse()) / 1_048_576))
            }
            guard case .busy(let holder, _) = try await rivalAnswer.value else {
                Issue.record("the rival took the lock of a run in progress")
                return
            }
            #expect(holder == "test-runner")
            #expect(runs.reduce(0) { $0 + $1.groomed } == Self.queue, "every request groomed")
            #expect(h.llm.callCount == Self.queue, "one LLM call per issue")
            #expect(posts == Self.queue, "one write per issue")
            #expect(h.github.secondaryLimitRefusals == 0, "no write refused by the secondary limit")
            #expect(try await h.server.store.pendingRequestCount() == 0)
            #expect(h.github.issue(RunHarness.repository, Self.queue)?.labels == ["bug"])

            // What the fake GitHub itself keeps for one more labelled write per issue (the label and
            // its issue event), measured the same way: the part of the heap's growth that is not groomer's.
            let heapBefore = AllocatorTuning.heapBytesInUse()
            for number in numbers {
                h.github.humanLabelChange(RunHarness.repository, number, label: "probe", added: true, actor: "groomer-bot", bot: true)
            }
            let fakeBytes = Double(AllocatorTuning.heapBytesInUse()) - Double(heapBefore)
            let report = Report(queue: Self.queue, batch: runner.batchSize, concurrency: runner.concurrency,
                                llmLatencyMilliseconds: 20, writeSpacingMilliseconds: 10, runs: runs,
                                fakeGitHubBytesPerWrite: fakeBytes / Double(Self.queue))
            let json = try JSONEncoder.sorted.encode(report)
            print("long-queue: \(String(decoding: json, as: UTF8.self))")
            if let path = ProcessInfo.processInfo.environment["GROOMER_BENCH_REPORT"] {
                try json.write(to: URL(fileURLWithPath: path))
            }
        }
    }

    static func residentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return (line?.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
    }

    struct Report: Encodable {
        var queue: Int
        var batch: Int
        var concurrency: Int
        var llmLatencyMilliseconds: Int
        var writeSpacingMilliseconds: Int
        var runs: [Run]
        /// The heap the fake GitHub takes for one labelled write of an issue (its own state, not groomer's).
        var fakeGitHubBytesPerWrite: Double

        struct Run: Encodable {
            var groomed: Int
            var seconds: Double
            var millisecondsPerIssue: Double
            var pendingAfter: Int
            var residentMiB: Double
            /// What the allocator has handed out and not had back (resident memory also counts
            /// freed pages glibc keeps for reuse).
            var heapMiB: Double
        }
    }
}
