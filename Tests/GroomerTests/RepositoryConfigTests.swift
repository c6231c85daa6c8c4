import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Testing

/// A repository's own `.github/groomer.yml`: the keys the operator allows change that
/// repository only; an invalid file is reported and the operator's policy applies.
@Suite struct RepositoryConfigTests {
    static let repository = RunHarness.repository
    static let other = "octo/other"
    static let auth = [("Authorization", "Bearer admin-secret")]

    static func config(_ h: RunHarness, _ repository: String) async throws -> [String: Any] {
        let reply = try await Client.send(h.server.baseURL + "/api/repos/\(repository)/config", method: .GET, headers: auth)
        #expect(reply.status == 200, "\(reply.body)")
        return reply.json
    }

    /// Delivers issue 1 of `repository` (the payload's repository renamed).
    static func deliver(_ h: RunHarness, to repository: String) async throws {
        _ = try await h.deliver { payload in
            var repo = payload["repository"] as! [String: Any]
            repo["full_name"] = repository
            payload["repository"] = repo
        }
    }

    @Test(arguments: Backend.all) func aRepositoryFileChangesTheCandidatesAndModeOfThatRepositoryOnly(_ backend: Backend) async throws {
        let configuration = try RunHarness.configuration("repository_config:\n  allow: [labels, mode]\n")
        try await RunHarness.with(backend: backend, configuration: configuration, adminToken: "admin-secret") { h in
            h.github.addRepository(Self.other, labels: RunHarness.labels)
            h.github.addIssue(Self.other, .init(number: 1, title: "Spelling error in the README file", body: "It crashes when I open it."))
            h.github.setFile(Self.repository, path: ".github/groomer.yml", contents: Data("mode: suggest\nlabels: [documentation]\n".utf8))
            h.llm.setFallback(.content(RunHarness.answer([("bug", 0.95), ("documentation", 0.9)])))
            try await Self.deliver(h, to: Self.repository)
            try await Self.deliver(h, to: Self.other)
            h.server.clock.advance(by: 15)
            let records = try await h.runner().run(trigger: .manual).records
            #expect(records.count == 2)

            // Its file: only `documentation` is a candidate, and it is suggested, not written.
            #expect(h.github.issue(Self.repository, 1)?.labels == [])
            #expect(h.github.suggestions(Self.repository, 1).compactMap { $0["name"]?.string } == ["documentation"])
            let own = try #require(records.first { $0.key.repository == Self.repository })
            #expect(own.outcome == .suggested && own.written?.add == ["documentation"])
            // The other repository has no file: the operator's policy, written.
            #expect(h.github.issue(Self.other, 1)?.labels.sorted() == ["bug", "documentation"])

            let report = try await Self.config(h, Self.repository)
            #expect(report["source"] as? String == "repository_file")
            #expect(report["file_exists"] as? Bool == true)
            let policy = try #require(report["policy"] as? [String: Any])
            #expect(policy["mode"] as? String == "suggest")
            #expect(policy["labels"] as? [String] == ["documentation"])
            let otherReport = try await Self.config(h, Self.other)
            #expect(otherReport["source"] as? String == "operator")
            #expect((otherReport["policy"] as? [String: Any])?["mode"] as? String == "write")
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
        }
    }

    @Test func anInvalidFileIsReportedWithItsKeyAndTheOperatorsPolicyApplies() async throws {
        try await RunHarness.with(adminToken: "admin-secret") { h in
            let file = "labels: [documentation]\nrules:\n  - label: bug\n    pattern: \"(unclosed\"\n"
            h.github.setFile(Self.repository, path: ".github/groomer.yml", contents: Data(file.utf8))
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let record = try #require(try await h.runner().run(trigger: .manual).records.first)
            #expect(record.outcome == .applied)
            #expect(h.github.issue(Self.repository, 1)?.labels == ["bug"], "the operator's labels and mode")

            let report = try await Self.config(h, Self.repository)
            #expect(report["source"] as? String == "operator")
            let error = try #require(report["error"] as? [String: Any], "\(report)")
            #expect(error["file"] as? String == ".github/groomer.yml")
            #expect(error["key"] as? String == "rules[0].pattern")
            #expect((error["problem"] as? String)?.contains("not a valid regular expression") == true)
            let metrics = try await Client.send(h.server.baseURL + "/metrics", method: .GET)
            #expect(metrics.body.contains("groomer_repository_config_invalid"), "a gauge of invalid repository files")
        }
    }

    @Test func aKeyTheOperatorDoesNotAllowIsLeftOutAndNamed() async throws {
        try await RunHarness.with(adminToken: "admin-secret") { h in
            h.github.setFile(Self.repository, path: ".github/groomer.yml", contents: Data("mode: dry_run\nlabels: [bug, question]\n".utf8))
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            _ = try await h.runner().run(trigger: .manual)
            #expect(h.github.issue(Self.repository, 1)?.labels == ["bug"], "mode is the operator's to allow: still writing")
            let report = try await Self.config(h, Self.repository)
            #expect(report["source"] as? String == "repository_file")
            #expect(report["ignored_keys"] as? [String] == ["mode"])
            #expect((report["policy"] as? [String: Any])?["labels"] as? [String] == ["bug", "question"])
            #expect((report["allowed_keys"] as? [String])?.contains("mode") == false)
        }
    }

    @Test func theFileIsReadAgainAfterAPushThatChangesItOrOnceItIsOlderThanTheRefresh() async throws {
        try await FakeGitHub.with({ $0.addRepository(Self.repository, labels: RunHarness.labels) }) { fake in
            fake.setFile(Self.repository, path: ".github/groomer.yml", contents: Data("labels: [bug]\n".utf8))
            var logger = Logger(label: "config-test")
            logger.logLevel = .critical
            let client = GitHubRESTClient(baseURL: fake.baseURL, transport: CurlTransport(), credentials: .token("test-token"), logger: logger)
            let clock = ManualClock()
            let policies = RepositoryPolicies(configuration: try RunHarness.configuration(), github: client, clock: clock, logger: logger)
            let reads = { fake.requests.filter { $0.path.contains("/contents/") } }

            #expect(await policies.current(for: Self.repository, installation: nil).labels?.map(\.name) == ["bug"])
            fake.setFile(Self.repository, path: ".github/groomer.yml", contents: Data("labels: [question]\n".utf8))
            #expect(await policies.current(for: Self.repository, installation: nil).labels?.map(\.name) == ["bug"], "fresh: the copy held")
            #expect(reads().count == 1)

            // GitHub's push payload, to the default branch, changing the file.
            let mapper = EventMapper()
            func push(ref: String, modified: [String]) throws -> MappedDelivery {
                let payload = try Fixtures.payload("push/payload.json") { payload in
                    payload["ref"] = ref
                    payload["commits"] = [["id": "abc", "added": [String](), "removed": [String](), "modified": modified]]
                }
                return mapper.map(event: "push", payload: payload, guid: "g", receivedAt: Date())
            }
            #expect(try push(ref: "refs/heads/master", modified: ["README.md"]).touchesRepositoryConfig == false)
            #expect(try push(ref: "refs/heads/feature", modified: [".github/groomer.yml"]).touchesRepositoryConfig == false,
                    "another branch's file is not the repository's policy")
            let touching = try push(ref: "refs/heads/master", modified: [".github/groomer.yml"])
            #expect(touching.touchesRepositoryConfig)
            if case .ignore(let reason) = touching.effect { #expect(reason.contains("read again")) } else { Issue.record("\(touching.effect)") }

            policies.markChanged(Self.repository)
            #expect(await policies.current(for: Self.repository, installation: nil).labels?.map(\.name) == ["question"])
            #expect(reads().count == 2)
            clock.advance(by: 301)
            #expect(await policies.current(for: Self.repository, installation: nil).labels?.map(\.name) == ["question"])
            #expect(reads().count == 3)
            #expect(reads().last?.headers["if-none-match"] != nil, "asked again with its ETag")
        }
    }

    @Test func theGlobalFileNamesWhatARepositoryMayChange() throws {
        let parsed = try ConfigurationFile.parse("repository_config:\n  allow: [labels, mode]\n  refresh_seconds: 60\n", source: "g.yaml")
        #expect(parsed.repositoryConfig.allow == ["labels", "mode"])
        #expect(parsed.repositoryConfig.refreshSeconds == 60)
        #expect(GroomerConfiguration().repositoryConfig.allow == ["labels", "groups", "rules", "min_confidence", "learn"])
        #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse("repository_config:\n  allow: [lock]\n", source: "g.yaml") }
        let unknown = #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.parseRepositoryFile("repositories: {}\n", base: .builtIn, settings: RepositoryConfigSettings())
        }
        #expect(unknown?.key == "repositories")
        let (policy, ignored) = try ConfigurationFile.parseRepositoryFile("dry_run: false\nmin_confidence: 0.9\n", base: .builtIn,
                                                                          settings: RepositoryConfigSettings())
        #expect(ignored == ["dry_run"], "dry_run is mode's older spelling, allowed only with mode")
        #expect(policy.minConfidence == 0.9 && policy.mode == .dryRun)
    }
}
