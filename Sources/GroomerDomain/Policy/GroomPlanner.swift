import Foundation

/// The decision of a groom, as a pure function of what was read: the issue now, the candidate
/// labels, the triage's result, what humans did and what groomer added before. The groom, the
/// manual re-groom and `groomer eval` all plan through it.
public enum GroomPlanner {
    /// Why an issue is not triaged at all.
    public enum SkipReason: Sendable, Equatable, CustomStringConvertible {
        case pullRequest
        case notOpen(state: String)
        case locked

        public var description: String {
            switch self {
            case .pullRequest: "pull request"
            case .notOpen(let state): "issue is \(state)"
            case .locked: "issue is locked"
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
