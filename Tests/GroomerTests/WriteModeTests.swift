import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The three modes end to end: dry run records, suggest sends pending suggestions with a
/// rationale, write adds labels; and a GitHub too old for label objects.
@Suite struct WriteModeTests {
    static let repository = RunHarness.repository
    static let title = "Spelling error in the README file"

    static func configuration(_ mode: String) throws -> GroomerConfiguration {
        try ConfigurationFile.parse("mode: \(mode)\ngroups: [[bug, enhancement, question]]\nlabels: [bug, enhancement, question, documentation]\n",
                                    source: "test.yaml")
    }

    static func labelPosts(_ h: RunHarness) -> [JSONValue] {
        h.github.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/labels") }.compactMap { try? JSONValue.parse($0.body) }
    }

    @Test(arguments: Backend.all) func suggestModeSendsPendingSuggestionsWithARationaleAndWritesNothing(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, configuration: try Self.configuration("suggest")) { h in
            // The model's reason for `bug` copies the issue's own words, as models do.
            let echoing = JSONValue.object([
                "labels": .array([
                    .object(["name": .string("bug"), "confidence": .number(0.95),
                             "reason": .string("the reporter wrote spelling error in the README file and it crashes when I open it")]),
                    .object(["name": .string("documentation"), "confidence": .number(0.75), "reason": .string("because")]),
                ]),
                "summary": .string("an issue"),
            ]).description
            h.llm.setFallback(.content(echoing))
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let record = try #require(try await h.runner().run(trigger: .manual).records.first)
            #expect(record.outcome == .suggested)
            #expect(record.written?.add.sorted() == ["bug", "documentation"])
            #expect(h.github.issue(Self.repository, 1)?.labels == [], "a suggestion is not applied")
            let suggested = h.github.suggestions(Self.repository, 1)
            #expect(suggested.compactMap { $0["name"]?.string }.sorted() == ["bug", "documentation"])
            let bug = try #require(suggested.first { $0["name"] == .string("bug") })
            #expect(bug["confidence"] == .string("high"))
            #expect(suggested.first { $0["name"] == .string("documentation") }?["confidence"] == .string("medium"))
            let rationale = try #require(bug["rationale"]?.string)
            #expect(!rationale.isEmpty && rationale.count <= 280)
            #expect(!rationale.lowercased().contains("spelling error") && !rationale.contains("crashes"), "the issue's own text is not echoed: \(rationale)")
            #expect(rationale.hasPrefix("groomer (LLM, 95%): the reporter wrote …"), "\(rationale)")
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
            #expect(try await h.server.store.groomerOwnedLabels(IssueKey(repository: Self.repository, number: 1)).isEmpty)
        }
    }

    @Test(arguments: Backend.all) func writeModeSendsTheSameObjectsWithoutSuggestAndTheLabelsAreApplied(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, configuration: try Self.configuration("write")) { h in
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let record = try #require(try await h.runner().run(trigger: .manual).records.first)
            #expect(record.outcome == .applied)
            #expect(h.github.issue(Self.repository, 1)?.labels == ["bug"])
            let body = try #require(Self.labelPosts(h).first)
            #expect(body["labels"]?[0]?["name"] == .string("bug"))
            #expect(body["labels"]?[0]?["suggest"] == nil)
            #expect(body["labels"]?[0]?["rationale"]?.string?.isEmpty == false)
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
        }
    }

    @Test(arguments: Backend.all) func aGitHubThatRefusesLabelObjectsGetsNamesWhenWritingAndNothingWhenSuggesting(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, configuration: try Self.configuration("write"), issues: [1, 2]) { h in
            h.github.refuseLabelObjects()
            let runner = h.runner()
            _ = try await h.deliver(issue: 1)
            h.server.clock.advance(by: 15)
            _ = try await runner.run(trigger: .manual)
            #expect(h.github.issue(Self.repository, 1)?.labels == ["bug"], "plain names after the 422")
            _ = try await h.deliver(issue: 2)
            h.server.clock.advance(by: 15)
            _ = try await runner.run(trigger: .manual)
            #expect(h.github.issue(Self.repository, 2)?.labels == ["bug"])
            let posts = Self.labelPosts(h)
            #expect(posts.count == 3, "objects refused once, then names; the second issue gets names at once")
            #expect(posts.last?["labels"]?[0] == .string("bug"))
        }
        try await RunHarness.with(backend: backend, configuration: try Self.configuration("suggest")) { h in
            h.github.refuseLabelObjects()
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let record = try #require(try await h.runner().run(trigger: .manual).records.first)
            #expect(record.outcome == .dryRun)
            #expect(record.reason?.contains("suggest mode never writes instead") == true, "\(record.reason ?? "")")
            #expect(h.github.issue(Self.repository, 1)?.labels == [])
            #expect(Self.labelPosts(h).count == 1, "no fallback to writing")
        }
    }

    @Test func modeIsReadFromThePolicyAndDryRunStaysItsOlderSpelling() throws {
        #expect(try ConfigurationFile.parse("mode: suggest\n", source: "g.yaml").defaults.mode == .suggest)
        #expect(try ConfigurationFile.parse("dry_run: false\n", source: "g.yaml").defaults.mode == .write)
        #expect(try ConfigurationFile.parse("", source: "g.yaml").defaults.mode == .dryRun)
        #expect(throws: ConfigurationError(source: "g.yaml", key: "mode", problem: "expected one of dry_run, suggest, write; got \"loud\"")) {
            try ConfigurationFile.parse("mode: loud\n", source: "g.yaml")
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse("mode: write\ndry_run: true\n", source: "g.yaml") }
    }
}
