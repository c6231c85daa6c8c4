import Foundation

/// One groom's decision as the re-groom endpoint and `groomer replay --json` show it: the
/// proposals with their reasons, the plan, what was written and why anything was left out.
public struct DecisionReport: Encodable, Sendable {
    var issue: String
    var outcome: String
    var reason: String?
    var labels: [LabelProposal]
    var summary: String?
    var plan: LabelPlan?
    var written: LabelPlan?
    var dryRun: Bool
    var notes: [String: String]
    /// What decided: `learned`, `rules`, `llm` or `none`, and the model or prompt version.
    var triage: String?
    var model: String?

    public init(_ record: GroomRecord) {
        issue = record.key.description
        outcome = record.outcome.rawValue
        reason = record.reason
        labels = record.triage?.proposals ?? []
        summary = record.triage?.summary
        plan = record.plan
        written = record.written
        dryRun = record.dryRun
        notes = record.notes
        triage = record.triage?.source.rawValue
        model = record.triage?.model
    }

    enum CodingKeys: String, CodingKey {
        case issue, outcome, reason, labels, summary, plan, written, notes, triage, model
        case dryRun = "dry_run"
    }
}
