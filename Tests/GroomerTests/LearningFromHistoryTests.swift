import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Testing

/// The learned triage learning from a repository's own history, end to end: the history and
/// its label events served by the fake GitHub, the real client, the real store, deliveries
/// over the webhook.
@Suite struct LearningFromHistoryTests {
    static let repository = RunHarness.repository
    /// React's issues of the corpus: the first 270 are the repository's history, the rest arrive new.
    static let corpus = LearnedTriageTests.issues(of: "facebook/react")
    static let history = Array(corpus.prefix(270))
    static let fresh = Array(corpus.dropFirst(270))
    static let token = "admin-token"

    /// The history as closed issues each labelled by a maintainer, plus issues a bot labelled
    /// `question` that no human ever touched (which must not count).
    static func seed(_ github: FakeGitHub) {
        for (index, issue) in history.enumerated() {
            let number = 1_000 + index
            let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_600_000_000 + Double(index) * 3_600))
            github.addIssue(repository, .init(number: number, title: issue.title, body: issue.body, state: "closed", createdAt: created))
            for label in issue.labels { github.humanLabelChange(repository, number, label: label, added: true, actor: "maintainer") }
        }
        for (index, issue) in corpus.filter({ $0.labels == ["bug"] }).prefix(40).enumerated() {
            let number = 5_000 + index
            github.addIssue(repository, .init(number: number, title: issue.title, body: issue.body, createdAt: "2019-01-01T00:00:00Z"))
            github.humanLabelChange(repository, number, label: "question", added: true, actor: "triage-bot[bot]", bot: true)
        }
    }

    static func learning(_ h: RunHarness, models: StoredModels) -> LearningService {
        var logger = Logger(label: "learn-test")
        logger.logLevel = .critical
        let client = GitHubRESTClient(baseURL: h.github.baseURL, transport: CurlTransport(), credentials: .token("test-token"),
                                      policy: RateLimitPolicy(initialBackoff: 0.1, maxAttempts: 2), transientBackoff: 0.05, logger: logger)
        let learner = ModelLearner(store: h.server.store, github: client, configuration: h.configuration, botLogin: "groomer-bot",
                                   clock: h.server.clock, logger: logger)
        return LearningService(learner: learner, models: models)
    }

    @Test(arguments: Backend.all)
    func aModelTrainedOnTheRecordedHistoryLabelsANewIssueDeliveredOverTheWebhook(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1], adminToken: Self.token) { h in
            Self.seed(h.github)
            // The first delivery makes the repository known; the model is learned before its groom falls due.
            _ = try await h.deliver(issue: 1)
            let models = StoredModels()
            let trained = await Self.learning(h, models: models).checkOnce()
            let stored = try #require(trained.first)
            #expect(trained.count == 1)
            #expect(stored.status == .trained)
            #expect(stored.examples == Self.history.count, "the bot's unkept labels are not examples")
            let model = try #require(models.model(for: Self.repository))
            #expect(model.borrowed == false)
            #expect(model.figures.macroF1 > 0.6)

            // A new issue the model is sure of arrives as issue 1's live text.
            let issue = try #require(Self.fresh.first { issue in
                let proposals = model.propose(title: issue.title, body: issue.body)
                return model.isConfident(proposals, minConfidence: 0.7)
            })
            h.github.updateIssue(Self.repository, 1) { $0.title = issue.title; $0.body = issue.body }
            h.server.clock.advance(by: 15)
            let outcome = try await h.runner(triage: .learned, models: models).run(trigger: .manual)
            let record = try #require(outcome.records.first)
            #expect(record.triage?.source == .learned)
            #expect(record.triage?.model == model.version)
            #expect(record.outcome == .applied)
            let expected = model.propose(title: issue.title, body: issue.body).map(\.name)
            #expect(h.github.issue(Self.repository, 1)?.labels == expected)

            // Every request the learning made is an operation GitHub documents.
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
            #expect(h.github.requests.contains { $0.path.hasSuffix("/issues") && $0.queryItems["state"] == "all" })

            // The API shows the model and its cross-validated figures.
            let reply = try await Client.send(h.server.baseURL + "/api/repos/\(Self.repository)/model", method: .GET,
                                              headers: [("Authorization", "Bearer \(Self.token)")])
            #expect(reply.status == 200)
            #expect(reply.json["version"] as? String == model.version)
            #expect(reply.json["examples"] as? Int == Self.history.count)
            #expect((reply.json["macro_f1"] as? Double ?? 0) > 0.6)
            #expect(APIStyle.violations(reply.json).isEmpty, "\(APIStyle.violations(reply.json))")
            let missing = try await Client.send(h.server.baseURL + "/api/repos/nobody/nothing/model", method: .GET,
                                                headers: [("Authorization", "Bearer \(Self.token)")])
            #expect(missing.status == 404)
        }
    }

    @Test(arguments: Backend.all) func aHumanCorrectionRecordedByTheReceiverChangesTheNextModel(_ backend: Backend) async throws {
        let configuration = try RunHarness.configuration("learn:\n  retrain_after: 2\n")
        try await RunHarness.with(backend: backend, configuration: configuration, issues: [1]) { h in
            Self.seed(h.github)
            _ = try await h.deliver(issue: 1)
            let models = StoredModels()
            let service = Self.learning(h, models: models)
            _ = await service.checkOnce()
            let before = try #require(models.model(for: Self.repository))
            #expect(await service.checkOnce().isEmpty, "nothing new: no retraining")

            // A maintainer turns a `bug` of the history into a `question`; only the receiver hears of it.
            let index = try #require(Self.history.firstIndex { $0.labels == ["bug"] })
            let corrected = Self.history[index]
            let number = 1_000 + index
            for (fixture, label) in [("issues/unlabeled.payload.json", "bug"), ("issues/labeled.payload.json", "question")] {
                let reply = try await h.deliver(fixture, issue: number) { payload in
                    payload["label"] = ["name": label]
                    payload["sender"] = ["login": "maintainer", "type": "User", "id": 7]
                }
                #expect(reply.status == 200)
            }
            #expect(try await service.reason(Self.repository) == .newDecisions)
            let retrained = await service.checkOnce()
            #expect(retrained.count == 1)
            let after = try #require(models.model(for: Self.repository))
            #expect(after.version != before.version)
            func question(_ model: LabelModel) throws -> Double {
                let head = try #require(model.heads.first { $0.exclusive })
                let p = head.regression.probabilities(model.vocabulary.vector(IssueFeatures(title: corrected.title, body: corrected.body)))
                return p[try #require(head.labels.firstIndex(of: "question"))]
            }
            #expect(try question(after) > (try question(before)), "the corrected issue now teaches question")
        }
    }

    @Test(arguments: Backend.all) func twoReplicasNeverHoldOneRepositorysTrainingLeaseAtOnce(_ backend: Backend) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await backend.makeStore(in: directory)
        let now = Date()
        #expect(try await store.models.acquireTrainingLease(repository: "a/b", token: "one", holder: "replica-1", ttl: 60, now: now))
        #expect(try await !store.models.acquireTrainingLease(repository: "A/B", token: "two", holder: "replica-2", ttl: 60, now: now + 30))
        #expect(try await store.models.acquireTrainingLease(repository: "c/d", token: "two", holder: "replica-2", ttl: 60, now: now + 30),
                "another repository's lease is separate")
        #expect(try await store.models.acquireTrainingLease(repository: "a/b", token: "two", holder: "replica-2", ttl: 60, now: now + 61),
                "a lease its holder never released expires")
        try await store.models.releaseTrainingLease(repository: "a/b", token: "one")
        #expect(try await !store.models.acquireTrainingLease(repository: "a/b", token: "three", holder: "replica-3", ttl: 60, now: now + 62),
                "a stale token releases nothing")
        #expect(try await store.runLockHolder() == nil, "the groomer's run lock is not the training lease")
        await store.close()
    }
}
