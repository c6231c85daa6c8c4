import Foundation

/// A rule of the offline triage: a regular expression over title and body that proposes a label.
public struct LabelRule: Sendable, Hashable {
    public var label: String
    public var pattern: String

    public init(label: String, pattern: String) {
        self.label = label
        self.pattern = pattern
    }
}

/// What groomer does with a plan: record it only, send its additions to GitHub as pending
/// suggestions with a rationale, or write them.
public enum WriteMode: String, Sendable, CaseIterable {
    case dryRun = "dry_run", suggest, write
}

/// The policy of one repository: the keys of the policy file (README, "Configuration") with their defaults.
public struct Policy: Sendable, Equatable {
    public var mode = WriteMode.dryRun
    /// `dry_run:`, the older spelling of `mode`: true is `dry_run`, false is `write`.
    public var dryRun: Bool {
        get { mode == .dryRun }
        set { mode = newValue ? .dryRun : .write }
    }
    public var minConfidence = 0.7
    public var removeLabels = false
    public var debounce = CoalescingPolicy()
    public var lockTTL: TimeInterval = 90
    /// Candidate labels; nil means the repository's own labels.
    public var labels: [LabelInfo]?
    public var groups: [[String]] = []
    public var rules: [LabelRule] = []
    /// The `learn:` keys: how the learned triage trains and how sure it must be.
    public var learning = LearningSettings()

    public init() {}

    /// The configured labels that exist among `existing` (the repository's labels), with the
    /// configured description where one is given; every existing label when none is configured.
    /// groomer never creates labels.
    public func candidates(among existing: [LabelInfo]) -> [LabelInfo] {
        guard let labels else { return existing }
        let byName = Dictionary(existing.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        return labels.compactMap { label in
            byName[label.name.lowercased()].map { LabelInfo(name: $0.name, description: label.description ?? $0.description) }
        }
    }

    /// What groomer uses with no `GROOMER_CONFIG`: dry run, GitHub's default labels as one
    /// exclusive type group, and rules that recognise the common cases offline.
    public static let builtIn: Policy = {
        var policy = Policy()
        policy.groups = [["bug", "enhancement", "question"]]
        policy.rules = [
            LabelRule(label: "bug", pattern: #"(?i)\b(bugs?|crash(es|ed|ing)?|exception|traceback|stack ?trace|segfault|regression|broken|fails?|failed|failing|errors?|not working|(does|do|is|are)n'?t work(ing)?|wrong|incorrect(ly)?|unexpected(ly)?)\b"#),
            LabelRule(label: "enhancement", pattern: #"(?i)\b(feature requests?|would be (nice|great|useful|helpful)|please add|add(ing)? (support|an? option)|support for|enhancements?|proposals?|suggestions?|ability to|allow(ing)? (users? )?to|option to|it would be)\b"#),
            LabelRule(label: "documentation", pattern: #"(?i)\b(docs|documentation|readme|typos?)\b"#),
            LabelRule(label: "question", pattern: #"(?i)(\bhow (do|can|should|to|does) (i|we|you|one)?\b|\bis (it|there a way) possible\b|\bis there (a|any) way\b|\bwhat is the\b|\bwhy (does|do|is)\b|\bquestions?\b|\?\s*$)"#),
        ]
        return policy
    }()
}

/// The whole policy file: defaults plus per-repository overrides (`repositories:`).
public struct GroomerConfiguration: Sendable, Equatable {
    public var defaults: Policy
    public var repositories: [String: Policy]
    /// `reconcile.interval_seconds`: how often `serve` sweeps GitHub for what no delivery
    /// told it; 0 turns the sweep off.
    public var reconcileInterval: Int = 600
    /// `reconcile.lookback_hours`: how far back the sweep looks for failed deliveries to ask
    /// GitHub for again (GitHub keeps three days of them).
    public var reconcileLookbackHours = 72
    /// `backfill.rate_share`: the share of GitHub's remaining hourly requests a backfill's
    /// grooms may use.
    public var backfillRateShare = 0.5
    /// `repository_config:`: what a repository's own `.github/groomer.yml` may change, and how
    /// often it is read again.
    public var repositoryConfig = RepositoryConfigSettings()

    public init(defaults: Policy = .builtIn, repositories: [String: Policy] = [:]) {
        self.defaults = defaults
        self.repositories = repositories
    }

    /// Rules and exclusive groups that name a label the policy's `labels:` leaves out: they can
    /// never propose or constrain anything. One line each, for `serve` to warn at start.
    public var labelsNeverCandidates: [String] {
        var lines: [String] = []
        for (scope, policy) in [("defaults", defaults)] + repositories.sorted(by: { $0.key < $1.key }).map({ ("repositories.\($0.key)", $0.value) }) {
            guard let labels = policy.labels else { continue }
            let known = Set(labels.map { $0.name.lowercased() })
            let ruleLabels = Set(policy.rules.map(\.label)).filter { !known.contains($0.lowercased()) }.sorted()
            let groupLabels = Set(policy.groups.joined()).filter { !known.contains($0.lowercased()) }.sorted()
            if !ruleLabels.isEmpty {
                lines.append("\(scope): rules name \(ruleLabels.joined(separator: ", ")), not in labels: those rules never propose anything")
            }
            if !groupLabels.isEmpty {
                lines.append("\(scope): groups name \(groupLabels.joined(separator: ", ")), not in labels")
            }
        }
        return lines
    }

    /// The policy in force for `repository` (`OWNER/NAME`, matched without regard to case).
    public func policy(for repository: String) -> Policy {
        if let exact = repositories[repository] { return exact }
        let lowered = repository.lowercased()
        return repositories.first { $0.key.lowercased() == lowered }?.value ?? defaults
    }
}

