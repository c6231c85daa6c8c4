import Foundation
import Logging

/// Trains a repository's model from what its humans decided, and keeps it in the store.
///
/// The examples are the repository's history on GitHub (labels a human applied or kept) and
/// the human label decisions the receiver recorded. With too few of its own, a repository
/// borrows a model pooled over the other repositories of its installation, whose thresholds
/// were measured on repositories it did not see; with neither, the rules go on deciding.
public struct ModelLearner: Sendable {
    public let store: any GroomerStore
    /// Nil offline: only `learn(_:examples:candidates:)` from a corpus can train.
    public let github: (any GitHubAPI)?
    public let configuration: GroomerConfiguration
    /// Each repository's policy with its own file over the operator's, when `serve` has one:
    /// the labels, groups and `learn:` keys a repository sets shape its model.
    public let policies: RepositoryPolicies?
    public let botLogin: String?
    public let clock: any GroomerClock
    public let logger: Logger

    /// Training is seconds of arithmetic: it runs here, never on the cooperative pool that
    /// answers webhooks.
    private static let thread = DedicatedThread(name: "groomer-learn")

    public init(store: any GroomerStore, github: (any GitHubAPI)?, configuration: GroomerConfiguration, policies: RepositoryPolicies? = nil,
                botLogin: String?, clock: any GroomerClock = SystemClock(), logger: Logger) {
        self.store = store
        self.github = github
        self.configuration = configuration
        self.policies = policies
        self.botLogin = botLogin
        self.clock = clock
        self.logger = logger
    }

    public enum LearnError: Error, CustomStringConvertible, Equatable {
        case offline
        public var description: String {
            "learning from a repository's history needs GitHub credentials (GROOMER_GITHUB_TOKEN or the App's); `--from FILE` learns from a corpus"
        }
    }

    /// Reads the repository's history, trains, and stores the model (or the note that there
    /// were too few examples).
    public func learn(_ repository: String, installation: Int64?) async throws -> StoredModel {
        guard let github else { throw LearnError.offline }
        let policy = await policies?.current(for: repository, installation: installation) ?? configuration.policy(for: repository)
        let candidates = policy.candidates(among: try await github.repositoryLabels(repository, installation: installation)).map(\.name)
        let decisionsSeen = try await store.models.labelDecisionCount(repository: repository)
        let own = try await examples(of: repository, installation: installation, candidates: candidates, limit: policy.learning.maxIssues)
        let groups = policy.groups
        let settings = policy.learning
        let now = clock.now()
        if let model = try await Self.thread.run({
            ModelTrainer.train(repository: repository, examples: own, candidates: candidates, groups: groups, settings: settings, now: now)
        }) {
            return try await save(model, examples: own.count, decisionsSeen: decisionsSeen, now: now)
        }
        // Too few of its own: pool the installation's other repositories.
        let others = try await store.models.knownRepositories().filter {
            $0.name.caseInsensitiveCompare(repository) != .orderedSame && $0.installationID == installation
        }
        var pool = own
        if !others.isEmpty {
            let share = max(100, settings.maxIssues / others.count)
            for other in others {
                do {
                    pool += try await examples(of: other.name, installation: other.installationID, candidates: candidates, limit: share)
                } catch {
                    logger.warning("cannot read a repository's history to pool", metadata: ["repository": "\(other.name)", "error": "\(error)"])
                }
            }
        }
        let pooled = pool
        if let model = try await Self.thread.run({
            ModelTrainer.trainBorrowed(repository: repository, pool: pooled, candidates: candidates, groups: groups, settings: settings, now: now)
        }) {
            return try await save(model, examples: pooled.count, decisionsSeen: decisionsSeen, now: now)
        }
        return try await saveScarce(repository, examples: own, candidates: candidates, settings: settings,
                                    decisionsSeen: decisionsSeen, now: now)
    }

    /// Trains from a labelled corpus instead of GitHub (`groomer learn --from FILE`), and stores the model.
    public func learn(_ repository: String, examples: [LabelledIssue], candidates: [String]) async throws -> StoredModel {
        let policy = policies?.policy(for: repository) ?? configuration.policy(for: repository)
        let decisionsSeen = try await store.models.labelDecisionCount(repository: repository)
        let groups = policy.groups, settings = policy.learning, now = clock.now()
        guard let model = try await Self.thread.run({
            ModelTrainer.train(repository: repository, examples: examples, candidates: candidates, groups: groups, settings: settings, now: now)
        }) else {
            return try await saveScarce(repository, examples: examples, candidates: candidates, settings: settings,
                                        decisionsSeen: decisionsSeen, now: now)
        }
        return try await save(model, examples: examples.count, decisionsSeen: decisionsSeen, now: now)
    }

    /// The repository's examples: its history as GitHub shows it, corrected by the decisions the receiver recorded.
    func examples(of repository: String, installation: Int64?, candidates: [String], limit: Int) async throws -> [LabelledIssue] {
        guard let github else { throw LearnError.offline }
        let reader = HistoryReader(github: github, botLogin: botLogin)
        let history = try await reader.read(repository, installation: installation, candidates: candidates, limit: limit)
        if history.eventsSkipped > 0 {
            logger.warning("rate budget low: some labelled issues were left out of training",
                           metadata: ["repository": "\(repository)", "left_out": "\(history.eventsSkipped)"])
        }
        let decisions = try await store.models.labelDecisions(repository: repository)
        let inHistory = Set(history.issues.map(\.number))
        var text: [Int: (title: String, body: String)] = [:]
        for number in Set(decisions.map(\.issue.number)) where !inHistory.contains(number) {
            if let snapshot = try await store.groomRequest(IssueKey(repository: repository, number: number))?.snapshot {
                text[number] = (snapshot.title, snapshot.body)
            }
        }
        return TrainingHistory.examples(repository: repository, history: history.issues, decisions: decisions,
                                        candidates: candidates, issueText: text)
    }

    private func save(_ model: LabelModel, examples: Int, decisionsSeen: Int, now: Date) async throws -> StoredModel {
        let stored = StoredModel(repository: model.repository, status: .trained, trainedAt: now, examples: examples,
                                 decisionsSeen: decisionsSeen, model: model)
        try await store.models.saveModel(stored)
        logger.info("learned a model", metadata: [
            "repository": "\(model.repository)", "version": "\(model.version)", "examples": "\(examples)",
            "borrowed": "\(model.borrowed)", "macro_f1": "\(model.figures.macroF1)", "coverage": "\(model.figures.coverage)"])
        return stored
    }

    /// Keeps the note that the repository has too few examples, in place of a model.
    private func saveScarce(_ repository: String, examples: [LabelledIssue], candidates: [String], settings: LearningSettings,
                            decisionsSeen: Int, now: Date) async throws -> StoredModel {
        let stored = StoredModel(repository: repository, status: .tooFewExamples, trainedAt: now, examples: examples.count,
                                 decisionsSeen: decisionsSeen, note: Self.scarcity(examples, candidates: candidates, settings: settings))
        try await store.models.saveModel(stored)
        logger.info("too few examples to learn from", metadata: ["repository": "\(repository)", "examples": "\(examples.count)"])
        return stored
    }

    /// Which labels lack examples, for the note kept in place of a model.
    static func scarcity(_ examples: [LabelledIssue], candidates: [String], settings: LearningSettings) -> String {
        var counts: [String: Int] = [:]
        for example in examples { for label in example.labels { counts[label.lowercased(), default: 0] += 1 } }
        let short = candidates.map { ($0, counts[$0.lowercased()] ?? 0) }.filter { $0.1 < settings.minExamples }
            .map { "\($0.0) \($0.1)" }
        return "\(examples.count) labelled issues; a label needs \(settings.minExamples) examples (" + short.joined(separator: ", ") + ")"
    }
}
