import Foundation
import Logging
import ServiceLifecycle

/// `serve`'s background training: now and then it looks at every repository groomer has
/// requests for and retrains the ones whose model is missing, a day old, or behind by
/// `learn.retrain_after` human label decisions. Never on the webhook path; a lease in the
/// store keeps two replicas from training one repository at once.
public final class LearningService: Service, Sendable {
    private let learner: ModelLearner
    private let models: StoredModels
    private let holder: String
    private let checkInterval: Duration
    private let maxAge: TimeInterval
    /// How long a replica's training lease lasts; reading a large history takes a while.
    private let leaseTTL: TimeInterval
    private let wake = WakeSignal()

    public init(learner: ModelLearner, models: StoredModels, holder: String = GroomerRunner.defaultHolder,
                checkInterval: Duration = .seconds(300), maxAge: TimeInterval = 86_400, leaseTTL: TimeInterval = 7_200) {
        self.learner = learner
        self.models = models
        self.holder = holder
        self.checkInterval = checkInterval
        self.maxAge = maxAge
        self.leaseTTL = leaseTTL
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                await checkOnce()
                await wake.wait(until: .now + checkInterval, nextLook: learner.clock.now().addingTimeInterval(checkInterval / .seconds(1)))
            }
        } onGracefulShutdown: {
            self.wake.signal()
        }
    }

    /// Why a repository is (re)trained now, or nil when its model is current.
    public enum Reason: String, Sendable {
        case noModel = "no model yet"
        case stale = "model a day old"
        case newDecisions = "new human label decisions"
    }

    /// One look at every repository: refreshes the models other replicas trained and trains
    /// the ones due. Returns what was trained.
    @discardableResult
    public func checkOnce() async -> [StoredModel] {
        let store = learner.store.models
        let logger = learner.logger
        do {
            try await models.refresh(from: store)
        } catch {
            logger.warning("cannot read the stored models", metadata: ["error": "\(error)"])
        }
        let repositories: [KnownRepository]
        do {
            repositories = try await store.knownRepositories()
        } catch {
            logger.warning("cannot list repositories to learn", metadata: ["error": "\(error)"])
            return []
        }
        var trained: [StoredModel] = []
        for repository in repositories where !Task.isShuttingDownGracefully {
            if let stored = await trainIfDue(repository) { trained.append(stored) }
        }
        return trained
    }

    private func trainIfDue(_ repository: KnownRepository) async -> StoredModel? {
        let store = learner.store.models
        let logger = learner.logger
        let token = UUID().uuidString
        do {
            guard try await reason(repository.name) != nil,
                  try await store.acquireTrainingLease(repository: repository.name, token: token, holder: holder,
                                                       ttl: leaseTTL, now: learner.clock.now()) else { return nil }
        } catch {
            logger.warning("cannot check a repository's model", metadata: ["repository": "\(repository.name)", "error": "\(error)"])
            return nil
        }
        var trained: StoredModel?
        do {
            // Another replica may have trained it between the look and the lease.
            if let reason = try await reason(repository.name) {
                logger.info("learning", metadata: ["repository": "\(repository.name)", "why": "\(reason.rawValue)"])
                let stored = try await learner.learn(repository.name, installation: repository.installationID)
                models.use(stored)
                trained = stored
            }
        } catch {
            logger.warning("learning failed; the current model stays", metadata: ["repository": "\(repository.name)", "error": "\(error)"])
        }
        try? await store.releaseTrainingLease(repository: repository.name, token: token)
        return trained
    }

    /// Why the repository would be trained now, or nil when its model is current.
    public func reason(_ repository: String) async throws -> Reason? {
        let store = learner.store.models
        guard let stored = try await store.modelSummary(for: repository) else { return .noModel }
        let settings = (learner.policies?.policy(for: repository) ?? learner.configuration.policy(for: repository)).learning
        if learner.clock.now().timeIntervalSince(stored.trainedAt) >= maxAge { return .stale }
        let decisions = try await store.labelDecisionCount(repository: repository)
        return decisions - stored.decisionsSeen >= settings.retrainAfter ? .newDecisions : nil
    }
}
