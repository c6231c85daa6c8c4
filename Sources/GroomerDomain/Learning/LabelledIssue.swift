import Foundation

/// An issue with the labels a human gave it: what the learned triage trains on and `eval` scores.
public struct LabelledIssue: Sendable, Codable, Equatable {
    public var repository: String
    public var number: Int?
    public var title: String
    public var body: String
    public var labels: [String]
    public var createdAt: Date?

    public init(repository: String, number: Int? = nil, title: String, body: String, labels: [String], createdAt: Date? = nil) {
        self.repository = repository
        self.number = number
        self.title = title
        self.body = body
        self.labels = labels
        self.createdAt = createdAt
    }
}

/// The `learn:` keys of the policy.
public struct LearningSettings: Sendable, Equatable, Hashable {
    /// The precision each label's threshold is chosen to reach, on held-out folds.
    public var targetPrecision = 0.9
    /// Examples a label needs in the repository before the repository's own model decides it.
    public var minExamples = 30
    /// Issues of the repository's history read at most.
    public var maxIssues = 5_000
    /// New human label decisions after which `serve` retrains.
    public var retrainAfter = 20
    /// Inverse regularisation strength of the logistic regressions.
    public var regularisation = 10.0
    /// Folds of the cross-validation that chooses thresholds and reports figures.
    public var folds = 5

    public init() {}
}
