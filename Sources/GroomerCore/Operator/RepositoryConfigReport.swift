import Foundation

/// `GET /api/repos/{owner}/{repo}/config`: the policy in force for a repository, where it came
/// from, and what was wrong with the repository's own file.
struct RepositoryConfigReport: Encodable {
    struct Problem: Encodable {
        var file: String
        var key: String?
        var problem: String
    }

    struct PolicyReport: Encodable {
        var mode: String
        var minConfidence: Double
        var removeLabels: Bool
        /// Nil: every label of the repository is a candidate.
        var labels: [String]?
        var groups: [[String]]
        var rules: [String]
        var quietSeconds: Double
        var maxWaitSeconds: Double

        enum CodingKeys: String, CodingKey {
            case mode, labels, groups, rules
            case minConfidence = "min_confidence"
            case removeLabels = "remove_labels"
            case quietSeconds = "quiet_seconds"
            case maxWaitSeconds = "max_wait_seconds"
        }
    }

    var repository: String
    var path = RepositoryConfigSettings.path
    var source: String
    var fileExists: Bool
    var readAt: String?
    var error: Problem?
    var ignoredKeys: [String]
    var readProblem: String?
    var allowedKeys: [String]
    var refreshSeconds: Int
    var policy: PolicyReport

    init(repository: String, policy: Policy, status: RepositoryPolicies.Status, settings: RepositoryConfigSettings) {
        self.repository = repository
        source = status.source.rawValue
        fileExists = status.fileExists
        readAt = status.readAt?.iso8601
        error = status.error.map { Problem(file: $0.source, key: $0.key, problem: $0.problem) }
        ignoredKeys = status.ignoredKeys
        readProblem = status.readProblem
        allowedKeys = settings.allow.sorted()
        refreshSeconds = settings.refreshSeconds
        self.policy = PolicyReport(mode: policy.mode.rawValue, minConfidence: policy.minConfidence, removeLabels: policy.removeLabels,
                                   labels: policy.labels?.map(\.name), groups: policy.groups,
                                   rules: policy.rules.map { "\($0.label): \($0.pattern)" },
                                   quietSeconds: policy.debounce.quiet,
                                   maxWaitSeconds: policy.debounce.maxWait)
    }

    enum CodingKeys: String, CodingKey {
        case repository, path, source, error, policy
        case fileExists = "file_exists"
        case readAt = "read_at"
        case ignoredKeys = "ignored_keys"
        case readProblem = "read_problem"
        case allowedKeys = "allowed_keys"
        case refreshSeconds = "refresh_seconds"
    }
}
