import Foundation

/// The decision of a groom, as a pure function of what was read: the issue now, the candidate
/// labels, the triage's result, what humans did and what groomer added before. The groom, the
/// manual re-groom and `groomer eval` all plan through it.
public enum GroomPlanner {
    /// Why an issue is not triaged at all; kept in the groom's record, so what acts on a skip
    /// (the re-groom endpoint's 404) reads a case, not a sentence.
    public enum SkipReason: Sendable, Equatable, Codable, CustomStringConvertible {
        case pullRequest
        case notOpen(state: String)
        case locked
        /// GitHub moved the issue to another repository (301).
        case transferred
        /// GitHub deleted it (410).
        case deleted
        /// GitHub has no such issue, or hides it from these credentials (404).
        case notFound
        /// Offline, and no delivery carried a copy of the issue.
        case noCopyOffline

        /// A stable name for machines: `pull_request`, `not_open`, `locked`, `transferred`,
        /// `deleted`, `not_found`, `no_copy_offline`.
        public var code: String {
            switch self {
            case .pullRequest: "pull_request"
            case .notOpen: "not_open"
            case .locked: "locked"
            case .transferred: "transferred"
            case .deleted: "deleted"
            case .notFound: "not_found"
            case .noCopyOffline: "no_copy_offline"
            }
        }

        public var description: String {
            switch self {
            case .pullRequest: "pull request"
            case .notOpen(let state): "issue is \(state)"
            case .locked: "issue is locked"
            case .transferred: "issue transferred (301)"
            case .deleted: "issue deleted (410)"
            case .notFound: "issue not found (404)"
            case .noCopyOffline: "offline, and no delivery carried the issue"
            }
        }
    }

    public static func skipReason(isPullRequest: Bool, state: String, locked: Bool) -> SkipReason? {
        if isPullRequest { return .pullRequest }
        if state != "open" { return .notOpen(state: state) }
        if locked { return .locked }
        return nil
    }

    /// The plan for an issue whose labels are `current`.
    public static func plan(triage: TriageResult, current: [String], candidates: [LabelInfo], policy: LabelPolicy,
                            humans: HumanLabelHistory = HumanLabelHistory(), groomerOwned: Set<String> = []) -> LabelPolicy.Decision {
        policy.decide(proposals: triage.proposals, current: current, candidates: candidates, humans: humans, groomerOwned: groomerOwned)
    }
}
