import Foundation

/// A rule of the offline triage: a regular expression over title and body that proposes a label.
public struct LabelRule: Sendable, Equatable {
    public var label: String
    public var pattern: String

    public init(label: String, pattern: String) {
        self.label = label
        self.pattern = pattern
    }
}

/// The policy of one repository: the YAML keys of SPEC §9 with their defaults.
public struct Policy: Sendable, Equatable {
    public var dryRun = true
    public var minConfidence = 0.7
    public var removeLabels = false
    public var debounce = CoalescingPolicy()
    public var lockTTL: TimeInterval = 90
    /// Candidate labels; nil means the repository's own labels.
    public var labels: [LabelInfo]?
    public var groups: [[String]] = []
    public var rules: [LabelRule] = []

    public init() {}

    /// What groomer uses with no `GROOMER_CONFIG`: dry run, GitHub's default labels as one
    /// exclusive type group, and rules that recognise the common cases offline.
    public static let builtIn: Policy = {
        var policy = Policy()
        policy.groups = [["bug", "enhancement", "question"]]
        policy.rules = [
            LabelRule(label: "bug", pattern: #"(?i)\b(bug|crash(es|ed)?|exception|traceback|regression|broken|fails?|error)\b"#),
            LabelRule(label: "enhancement", pattern: #"(?i)\b(feature request|would be nice|please add|support for|enhancement|proposal)\b"#),
            LabelRule(label: "documentation", pattern: #"(?i)\b(docs?|documentation|readme|typo)\b"#),
            LabelRule(label: "question", pattern: #"(?i)(\bhow (do|can|should) (i|we)\b|\bis it possible\b)"#),
        ]
        return policy
    }()
}

/// The whole policy file: defaults plus per-repository overrides (`repositories:`).
public struct GroomerConfiguration: Sendable, Equatable {
    public var defaults: Policy
    public var repositories: [String: Policy]

    public init(defaults: Policy = .builtIn, repositories: [String: Policy] = [:]) {
        self.defaults = defaults
        self.repositories = repositories
    }

    /// The policy in force for `repository` (`OWNER/NAME`, matched without regard to case).
    public func policy(for repository: String) -> Policy {
        if let exact = repositories[repository] { return exact }
        let lowered = repository.lowercased()
        return repositories.first { $0.key.lowercased() == lowered }?.value ?? defaults
    }
}
