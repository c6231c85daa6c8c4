import Foundation
import GroomerCore
import GroomerTesting
import Logging

/// The whole pipeline on loopback: the real receiver and SQLite store, the fake GitHub and the
/// fake LLM, and a runner assembled as `serve` assembles it.
struct RunHarness: Sendable {
    let server: TestServer
    let github: FakeGitHub
    let llm: FakeLLM
    let configuration: GroomerConfiguration

    static let repository = "Codertocat/Hello-World"
    static let labels: [FakeGitHub.Label] = [
        .init(name: "bug", description: "Something isn't working"),
        .init(name: "enhancement", description: "New feature or request"),
        .init(name: "question", description: "Further information is requested"),
        .init(name: "documentation", description: "Improvements or additions to documentation"),
        .init(name: "security", description: "A vulnerability"),
    ]

    /// A configuration that writes (the built-in default is a dry run), with the given extra YAML.
    static func configuration(_ yaml: String = "") throws -> GroomerConfiguration {
        try ConfigurationFile.parse("dry_run: false\ngroups: [[bug, enhancement, question]]\nlabels: [bug, enhancement, question, documentation]\n" + yaml,
                                    source: "test.yaml")
    }

    static func with<T: Sendable>(backend: Backend = .sqlite, configuration: GroomerConfiguration? = nil, issues: [Int] = [1], adminToken: String? = nil,
                                  _ body: @Sendable (RunHarness) async throws -> T) async throws -> T {
        let configuration = try configuration ?? Self.configuration()
        return try await FakeGitHub.with({ github in
            github.addRepository(repository, labels: labels)
            for number in issues {
                github.addIssue(repository, .init(number: number, title: "Spelling error in the README file", body: "It crashes when I open it."))
            }
        }) { github in
            try await FakeLLM.with { llm in
                llm.setFallback(.content(Self.answer([("bug", 0.95)])))
                let parts: @Sendable (any GroomerStore, ManualClock) -> TestServer.Parts = { _, _ in
                    let (client, triage) = Self.clients(github: github, llm: llm)
                    return TestServer.Parts(github: client, triage: triage, holder: "operator", metrics: TestMetrics.registry)
                }
                return try await TestServer.with(backend: backend, configuration: configuration, adminToken: adminToken, parts: parts) { server in
                    try await body(RunHarness(server: server, github: github, llm: llm, configuration: configuration))
                }
            }
        }
    }

    /// A model answer proposing `labels` with confidences.
    static func answer(_ labels: [(String, Double)], summary: String = "an issue") -> String {
        JSONValue.object([
            "labels": .array(labels.map { .object(["name": .string($0.0), "confidence": .number($0.1), "reason": .string("because")]) }),
            "summary": .string(summary),
        ]).description
    }

    /// The runner, with the real GitHub and LLM clients pointed at the fakes.
    func runner(llmAttempts: Int = 2, clock: (any GroomerClock)? = nil, holder: String = "test-runner",
                mutationSpacing: Duration = .milliseconds(50), triage: TriageMode = .llm,
                models: any LabelModelSource = FixedModels([:])) -> GroomerRunner {
        Self.runner(store: server.store, github: github, llm: llm, configuration: configuration, clock: clock ?? server.clock,
                    llmAttempts: llmAttempts, holder: holder, mutationSpacing: mutationSpacing, triage: triage, models: models)
    }

    static func runner(store: any GroomerStore, github: FakeGitHub, llm: FakeLLM, configuration: GroomerConfiguration,
                       clock: any GroomerClock, llmAttempts: Int = 2, holder: String = "test-runner",
                       mutationSpacing: Duration = .milliseconds(50), triage mode: TriageMode = .llm,
                       models: any LabelModelSource = FixedModels([:])) -> GroomerRunner {
        let (githubClient, triage) = clients(github: github, llm: llm, llmAttempts: llmAttempts, mutationSpacing: mutationSpacing,
                                             triage: mode, models: models)
        let groomer = IssueGroomer(store: store, github: githubClient, triage: triage, configuration: configuration,
                                   botLogin: "groomer-bot", clock: clock, logger: quiet)
        return GroomerRunner(store: store, groomer: groomer, holder: holder)
    }

    static var quiet: Logger {
        var logger = Logger(label: "run-test")
        logger.logLevel = .critical
        return logger
    }

    /// The real GitHub and LLM clients pointed at the fakes, and the triage of `mode` as `serve`
    /// assembles it (the modes that need no LLM never call the fake).
    static func clients(github: FakeGitHub, llm: FakeLLM, llmAttempts: Int = 2, mutationSpacing: Duration = .milliseconds(50),
                        triage mode: TriageMode = .llm, models: any LabelModelSource = FixedModels([:])) -> (GitHubRESTClient, any Triage) {
        let transport = CurlTransport()
        let client = GitHubRESTClient(baseURL: github.baseURL, transport: transport, credentials: .token("test-token"),
                                      policy: RateLimitPolicy(initialBackoff: 0.1, maxAttempts: 2), mutationSpacing: mutationSpacing,
                                      writesPerHour: nil,
                                      transientBackoff: 0.05, logger: quiet)
        let model = OpenAICompatibleClient(baseURL: llm.baseURL, apiKey: llm.apiKey, model: "gpt-test", transport: transport,
                                           timeout: 5, maxAttempts: llmAttempts, backoff: 0.05, logger: quiet)
        return (client, try! GroomerAssembly.triage(mode, llm: LLMTriage(model: model), models: models))
    }

    /// Delivers a recorded `issues` payload for issue `number`, signed, through the receiver.
    func deliver(_ fixture: String = "issues/edited.payload.json", issue number: Int = 1, event: String = "issues",
                 edit: @Sendable (inout [String: Any]) -> Void = { _ in }) async throws -> Reply {
        let payload = try Fixtures.payload(fixture) { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["number"] = number
            payload["issue"] = issue
            edit(&payload)
        }
        return try await Client.deliver(payload, event: event, to: server.webhookURL)
    }

    var labelWrites: [RecordedRequest] {
        github.requests.filter { $0.path.contains("/labels") && ["POST", "PUT", "DELETE"].contains($0.method) }
    }
}

extension GroomerRunner.Outcome {
    var summary: RunSummary? {
        if case .completed(_, let summary, _) = self { return summary }
        return nil
    }

    var records: [GroomRecord] {
        if case .completed(_, _, let records) = self { return records }
        return []
    }
}
