import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The groom-cost scenario of the benchmark: issues opened, edited in bursts, commented,
/// relabelled by humans and redelivered unchanged, groomed by the real runner against the fake
/// GitHub and a fake LLM that answers after a set latency.
///
/// It asserts the cost promises that are counts (LLM calls per distinct content, label writes
/// per groom, no writes for a no-op plan, a human's removal honoured) and prints the figures;
/// with `GROOMER_BENCH_REPORT` set it also writes them there as JSON for `bench/run.sh`.
/// Wall time is printed, never asserted.
@Suite struct GroomCostScenarioTests {
    static let issues = 40
    static let latency = Duration.milliseconds(200)

    @Test func groomCostPerIssue() async throws {
        let numbers = Array(1...Self.issues)
        try await RunHarness.with(issues: numbers) { h in
            h.llm.setFallback(.delayed(Self.latency, content: RunHarness.answer([("bug", 0.95)])))
            let runner = h.runner(mutationSpacing: .zero)
            let concurrency = runner.concurrency

            // Phase 1: every issue opened.
            for number in numbers { #expect(try await h.deliver("issues/opened.payload.json", issue: number).status == 202) }
            h.server.clock.advance(by: 15)
            let first = try await Self.measure(h) { try await runner.run(trigger: .scheduler) }
            #expect(first.outcome.summary?.groomed == Self.issues)
            #expect(first.llmCalls == Self.issues, "one LLM call per distinct issue content")
            #expect(first.maxLabelWritesPerIssue <= 1, "at most one label write per groom that adds labels")

            // Phase 2: humans at work.
            let edited = Array(1...10), relabelled = Array(11...20), redelivered = Array(21...30)
            for number in edited {
                h.github.updateIssue(RunHarness.repository, number) { $0.title = "Crash when opening README #\(number)" }
                for _ in 0..<2 {  // a burst of two edits: one groom
                    _ = try await h.deliver(issue: number) { payload in
                        var issue = payload["issue"] as! [String: Any]
                        issue["title"] = "Crash when opening README #\(number)"
                        payload["issue"] = issue
                    }
                }
            }
            for number in relabelled {
                h.github.humanLabelChange(RunHarness.repository, number, label: "bug", added: false)
                #expect(try await h.deliver("issues/unlabeled.payload.json", issue: number).status == 200)
                #expect(try await h.deliver("issue_comment/created.payload.json", issue: number, event: "issue_comment").status == 202)
            }
            for number in redelivered { _ = try await h.deliver("issues/opened.payload.json", issue: number) }
            h.server.clock.advance(by: 15)
            let second = try await Self.measure(h) { try await runner.run(trigger: .scheduler) }
            let records = second.outcome.records
            #expect(second.llmCalls <= edited.count + relabelled.count, "≤ 1 LLM call per distinct content")
            #expect(second.llmCalls >= edited.count)
            for record in records where redelivered.contains(record.key.number) {
                #expect(record.outcome == .unchanged)
            }
            let noOpKeys = Set(records.filter { $0.outcome != .applied }.map(\.key.number))
            #expect(second.writes.filter { noOpKeys.contains($0.issue) }.isEmpty, "no GitHub write for a no-op plan")
            for number in relabelled {
                #expect(h.github.issue(RunHarness.repository, number)?.labels.contains("bug") == false, "a human's removal is honoured")
            }

            let report = Report(issues: Self.issues, concurrency: concurrency, llmLatencyMilliseconds: 200, phases: [
                first.report(name: "opened", groomed: first.outcome.summary?.groomed ?? 0, issues: Self.issues),
                second.report(name: "edited, relabelled, commented, redelivered", groomed: second.outcome.summary?.groomed ?? 0,
                              issues: edited.count + relabelled.count + redelivered.count),
            ])
            let json = try JSONEncoder.sorted.encode(report)
            print("groom-cost: \(String(decoding: json, as: UTF8.self))")
            if let path = ProcessInfo.processInfo.environment["GROOMER_BENCH_REPORT"] {
                try json.write(to: URL(fileURLWithPath: path))
            }
        }
    }

    struct LabelWrite {
        var issue: Int
        var method: String
    }

    struct Measured {
        var outcome: GroomerRunner.Outcome
        var seconds: Double
        var llmCalls: Int
        var promptBytes: Int
        var reads: Int
        var writes: [LabelWrite]

        var maxLabelWritesPerIssue: Int {
            Dictionary(grouping: writes.filter { $0.method == "POST" }, by: \.issue).values.map(\.count).max() ?? 0
        }

        func report(name: String, groomed: Int, issues: Int) -> Report.Phase {
            let per = Double(max(groomed, 1))
            return Report.Phase(
                name: name, issuesTouched: issues, groomed: groomed, llmCalls: llmCalls,
                llmCallsPerGroomedIssue: Double(llmCalls) / per,
                promptBytesPerCall: llmCalls == 0 ? 0 : promptBytes / llmCalls,
                githubReadsPerGroomedIssue: Double(reads) / per, githubWritesPerGroomedIssue: Double(writes.count) / per,
                wallSeconds: seconds)
        }
    }

    /// Runs `run` and counts what it cost at the fakes.
    static func measure(_ h: RunHarness, _ run: () async throws -> GroomerRunner.Outcome) async throws -> Measured {
        let llmBefore = h.llm.requests.count, githubBefore = h.github.requests.count
        let start = ContinuousClock.now
        let outcome = try await run()
        let elapsed = ContinuousClock.now - start
        let llm = h.llm.requests.dropFirst(llmBefore)
        let github = h.github.requests.dropFirst(githubBefore)
        let writes = github.filter { $0.method != "GET" }.map { request in
            LabelWrite(issue: Int(request.path.split(separator: "/").drop { $0 != "issues" }.dropFirst().first ?? "") ?? 0, method: request.method)
        }
        return Measured(outcome: outcome, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                        llmCalls: llm.count, promptBytes: llm.reduce(0) { $0 + $1.body.count },
                        reads: github.count - writes.count, writes: writes)
    }

    struct Report: Encodable {
        var issues: Int
        var concurrency: Int
        var llmLatencyMilliseconds: Int
        var phases: [Phase]

        struct Phase: Encodable {
            var name: String
            var issuesTouched: Int
            var groomed: Int
            var llmCalls: Int
            var llmCallsPerGroomedIssue: Double
            var promptBytesPerCall: Int
            var githubReadsPerGroomedIssue: Double
            var githubWritesPerGroomedIssue: Double
            var wallSeconds: Double
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
