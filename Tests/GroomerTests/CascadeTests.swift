import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The learned model and the LLM together, end to end: deliveries over the webhook, the real
/// store, the fake GitHub and the fake LLM on loopback.
@Suite struct CascadeTests {
    /// A model of the harness's repository, learned from real issues (react's, renamed).
    static let model: LabelModel = {
        let issues = LearnedTriageTests.issues(of: "facebook/react").map { issue in
            var issue = issue
            issue.repository = RunHarness.repository
            return issue
        }
        var settings = LearningSettings()
        settings.folds = 3
        return ModelTrainer.train(repository: RunHarness.repository, examples: issues, candidates: LearnedTriageTests.labels,
                                  groups: LearnedTriageTests.groups, settings: settings)!
    }()

    /// Issues of the corpus the model is sure of (above its thresholds and 0.7), and unsure of.
    static func sureAndUnsure() -> (sure: LabelledIssue, unsure: LabelledIssue) {
        let issues = LearnedTriageTests.issues(of: "facebook/react")
        let sure = issues.first { issue in
            let proposals = model.propose(title: issue.title, body: issue.body)
            return model.isConfident(proposals) && proposals.allSatisfy { $0.confidence >= 0.7 }
        }!
        let unsure = issues.first { !model.isConfident(model.propose(title: $0.title, body: $0.body)) }!
        return (sure, unsure)
    }

    @Test(arguments: Backend.all) func theLLMIsAskedOnlyAboutIssuesTheModelIsUnsureOf(_ backend: Backend) async throws {
        let (sure, unsure) = Self.sureAndUnsure()
        try await RunHarness.with(backend: backend, issues: [1, 2]) { h in
            h.github.updateIssue(RunHarness.repository, 1) { $0.title = sure.title; $0.body = sure.body }
            h.github.updateIssue(RunHarness.repository, 2) { $0.title = unsure.title; $0.body = unsure.body }
            h.llm.setFallback(.content(RunHarness.answer([("question", 0.9)])))
            _ = try await h.deliver(issue: 1)
            _ = try await h.deliver(issue: 2)
            h.server.clock.advance(by: 15)
            let outcome = try await h.runner(triage: .cascade, models: FixedModels([RunHarness.repository: Self.model])).run(trigger: .manual)
            #expect(outcome.summary?.groomed == 2)
            #expect(h.llm.callCount == 1, "one call, for the unsure issue only")

            let first = try #require(try await h.server.store.groomRecords(for: IssueKey(repository: RunHarness.repository, number: 1), limit: 1).first)
            #expect(first.triage?.source == .learned)
            #expect(first.triage?.llmCalls == 0)
            #expect(first.outcome == .applied)
            let expected = Self.model.propose(title: sure.title, body: sure.body).map(\.name)
            #expect(h.github.issue(RunHarness.repository, 1)?.labels == expected)

            let second = try #require(try await h.server.store.groomRecords(for: IssueKey(repository: RunHarness.repository, number: 2), limit: 1).first)
            #expect(second.triage?.source == .llm)
            #expect(second.triage?.llmCalls == 1)
            let prompt = try JSONValue.parse(try #require(h.llm.requests.first).body)["messages"]?[1]?["content"]?.string ?? ""
            #expect(prompt.contains("Hints from a model learned from this repository's labels"))
            #expect(prompt.contains("Issues of this repository that maintainers labelled"))
            for request in h.llm.requests { #expect(FakeLLM.violations(request).isEmpty) }
        }
    }

    @Test func aProposalBelowMinConfidenceIsNotSureEnoughToSkipTheLLM() async throws {
        let (sure, _) = Self.sureAndUnsure()
        try await RunHarness.with(configuration: try RunHarness.configuration("min_confidence: 0.999\n")) { h in
            h.github.updateIssue(RunHarness.repository, 1) { $0.title = sure.title; $0.body = sure.body }
            _ = try await h.deliver(issue: 1)
            h.server.clock.advance(by: 15)
            _ = try await h.runner(triage: .cascade, models: FixedModels([RunHarness.repository: Self.model])).run(trigger: .manual)
            #expect(h.llm.callCount == 1, "the model clears its thresholds but not min_confidence: the LLM decides")
        }
    }

    @Test func theLearnedModelsVersionIsPartOfTheFingerprint() async throws {
        let learned = LearnedTriage(models: FixedModels([RunHarness.repository: Self.model]))
        #expect(learned.identity(for: RunHarness.repository) == TriageIdentity(source: .learned, version: Self.model.version))
        #expect(learned.identity(for: "someone/else").source == .rules, "no model: the rules decide, and the identity says so")
    }
}

/// The LLM defects seen against a real OpenAI-compatible server.
@Suite struct LLMAnswerTests {
    @Test(arguments: Backend.all) func anAnswerWithoutALabelsArrayIsAFailureKeptInTheAuditNotNoLabels(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend) { h in
            let key = IssueKey(repository: RunHarness.repository, number: 1)
            h.llm.script([.content(#"{"summary":"I would label this a bug"}"#)])
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let runner = h.runner()
            let first = try await runner.run(trigger: .manual)
            let record = try #require(first.records.first)
            #expect(record.outcome == .failed)
            #expect(record.reason?.contains("no \"labels\" array") == true)
            #expect(record.triage?.rawOutput == #"{"summary":"I would label this a bug"}"#)
            let stored = try await h.server.store.groomRecords(for: key, limit: 1).first
            #expect(stored?.triage?.rawOutput == #"{"summary":"I would label this a bug"}"#)

            // Its fingerprint does not stop the retry from triaging again.
            h.server.clock.advance(by: 3_600)
            let second = try await runner.run(trigger: .manual)
            #expect(second.records.first?.outcome == .applied)
            #expect(h.llm.callCount == 2)
            #expect(h.github.issue(RunHarness.repository, 1)?.labels == ["bug"])
        }
    }

    @Test func aTemperatureOfOmitSendsNoneAndANumberIsSentAsSet() async throws {
        try await FakeLLM.with { fake in
            fake.setFallback(.content(#"{"labels":[],"summary":"x"}"#))
            for (setting, expected) in [("omit", JSONValue?.none), ("0.3", .number(0.3)), (nil, .number(0))] {
                let settings = try Settings(environment: ["GROOMER_LLM_URL": fake.baseURL, "GROOMER_LLM_MODEL": "m", "GROOMER_LLM_API_KEY": fake.apiKey]
                    .merging(setting.map { ["GROOMER_LLM_TEMPERATURE": $0] } ?? [:]) { $1 })
                let triage = try #require(try GroomerAssembly.llm(settings, transport: CurlTransport(), logger: LLMClientTests.quiet))
                _ = try await triage.triage(TriageInput(repository: "o/r", title: "t", body: "b", candidates: [LabelInfo(name: "bug")], rules: []))
                let body = try JSONValue.parse(try #require(fake.requests.last).body)
                #expect(body["temperature"] == expected, "GROOMER_LLM_TEMPERATURE=\(setting ?? "unset")")
            }
        }
        #expect(throws: ConfigurationError.self) { try Settings(environment: ["GROOMER_LLM_TEMPERATURE": "hot"]) }
    }

    @Test func theSchemaAsksForEachLabelsNameThenItsReasonThenItsConfidence() async throws {
        try await FakeLLM.with { fake in
            fake.setFallback(.content(#"{"labels":[],"summary":"x"}"#))
            let settings = try Settings(environment: ["GROOMER_LLM_URL": fake.baseURL, "GROOMER_LLM_MODEL": "m", "GROOMER_LLM_API_KEY": fake.apiKey])
            let triage = try #require(try GroomerAssembly.llm(settings, transport: CurlTransport(), logger: LLMClientTests.quiet))
            _ = try await triage.triage(TriageInput(repository: "o/r", title: "t", body: "b", candidates: [LabelInfo(name: "bug")], rules: []))
            let request = try #require(fake.requests.last)
            let text = String(decoding: request.body, as: UTF8.self)
            let items = try #require(text.range(of: #""items":"#))
            let order = try [#""name":{"#, #""reason":{"#, #""confidence":{"#].map { key in
                try #require(text.range(of: key, range: items.upperBound..<text.endIndex)).lowerBound
            }
            #expect(order == order.sorted(), "properties go out as name, reason, confidence: \(text)")
            let schema = try JSONValue.parse(request.body)["response_format"]?["json_schema"]?["schema"]
            #expect(schema?["properties"]?["labels"]?["items"]?["required"] == .array([.string("name"), .string("reason"), .string("confidence")]))
            #expect(FakeLLM.violations(request).isEmpty)
        }
        // The ordered writer is JSON a parser reads back exactly, whatever the issue's text holds.
        let hostile = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🙂 </script>"
        let value = JSONValue.ordered(["b": .string(hostile), "a": .array([.number(0.25), .number(3), .bool(false), .null])])
        #expect(try JSONValue.parse(Data(value.orderedText.utf8)) == .object(try #require(value.object)))
        #expect(value.orderedText.hasPrefix(#"{"b":"#))
    }

    @Test(arguments: Backend.all) func aFailingLLMCostsItsRetriesOncePerIssueNotOncePerGroomAttempt(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend) { h in
            h.llm.setFallback(.status(500))
            let runner = h.runner(llmAttempts: 3)
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let first = try await runner.run(trigger: .manual)
            #expect(first.records.first?.outcome == .failed)
            #expect(h.llm.callCount == 3, "the first groom retries within the client")
            for expected in [4, 5] {
                h.server.clock.advance(by: 7_200)
                let retry = try await runner.run(trigger: .manual)
                #expect(retry.records.first?.outcome == .failed)
                #expect(h.llm.callCount == expected, "each later groom attempt tries once")
            }
        }
    }
}
