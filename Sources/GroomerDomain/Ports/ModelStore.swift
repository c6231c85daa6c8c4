import Foundation

/// A repository's learned model as the store keeps it, or the note that it has none yet.
public struct StoredModel: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case trained
        /// The last training found too few examples; the rules (or a borrowed model) decide.
        case tooFewExamples = "too_few_examples"
    }

    public var repository: String
    public var status: Status
    public var trainedAt: Date
    public var examples: Int
    /// Human label decisions recorded for the repository when it was trained: retraining waits
    /// for `learn.retrain_after` more.
    public var decisionsSeen: Int
    public var note: String?
    public var model: LabelModel?

    public init(repository: String, status: Status, trainedAt: Date, examples: Int, decisionsSeen: Int,
                note: String? = nil, model: LabelModel? = nil) {
        self.repository = repository
        self.status = status
        self.trainedAt = trainedAt
        self.examples = examples
        self.decisionsSeen = decisionsSeen
        self.note = note
        self.model = model
    }
}

/// A repository groomer has requests for, with the App installation that last reached it.
public struct KnownRepository: Sendable, Equatable {
    public var name: String
    public var installationID: Int64?
    /// The oldest delivery about it still kept: about when groomer began to hear of it.
    public var firstDeliveryAt: Date?

    public init(name: String, installationID: Int64?, firstDeliveryAt: Date? = nil) {
        self.name = name
        self.installationID = installationID
        self.firstDeliveryAt = firstDeliveryAt
    }
}

extension ModelStore {
    /// The App installation that last reached `repository` (matched without regard to case), if any.
    public func installationID(of repository: String) async throws -> Int64? {
        try await knownRepositories().first { $0.name.caseInsensitiveCompare(repository) == .orderedSame }?.installationID
    }
}

/// The learned triage's side of the store: models, the decisions they learn from, and the
/// lease that keeps two replicas from training one repository at once.
public protocol ModelStore: Sendable {
    func saveModel(_ model: StoredModel) async throws
    func storedModel(for repository: String) async throws -> StoredModel?
    /// The stored row without the model itself: when it was trained and on what.
    func modelSummary(for repository: String) async throws -> StoredModel?
    /// Each repository's model version (nil where it has none), to see what changed cheaply.
    func modelVersions() async throws -> [String: String?]
    /// Every human label decision recorded on the repository's issues, oldest first.
    func labelDecisions(repository: String) async throws -> [LabelDecision]
    func labelDecisionCount(repository: String) async throws -> Int
    func knownRepositories() async throws -> [KnownRepository]
    /// Takes the repository's training lease unless another holder's is younger than `ttl`.
    func acquireTrainingLease(repository: String, token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> Bool
    func releaseTrainingLease(repository: String, token: String) async throws
}
