import Foundation

/// One groom's decision as the re-groom endpoint, the issue history and `groomer replay --json`
/// show it: the proposals with their reasons, the plan, what was written and why anything was
/// left out, and the audit's facts (when, which run, the fingerprint, the LLM's cost and raw answer).
/// snake_case keys, ISO 8601 UTC times.
public struct DecisionReport: Encodable, Sendable {
    var issue: String
    var outcome: String
    var reason: String?
    /// Why a skipped groom was skipped, as a stable code (`not_found`, `not_open`, …).
    var skipReason: String?
    var labels: [LabelProposal]
    var summary: String?
    var plan: LabelPlan?
    var written: LabelPlan?
    var dryRun: Bool
    var notes: [String: String]
    /// What decided: `learned`, `rules`, `llm` or `none`, and the model or prompt version.
    var triage: String?
    var model: String?
    // The audit's own facts.
    var createdAt: String
    var runID: Int64?
    var fingerprint: String?
    var forced: Bool
    var durationMilliseconds: Int
    var llmCalls: Int?
    var promptTokens: Int?
    var completionTokens: Int?
    var rawOutput: String?
    var droppedLabels: [String]?

    public init(_ record: GroomRecord) {
        issue = record.key.description
        outcome = record.outcome.rawValue
        reason = record.reason
        skipReason = record.skip?.code
        labels = record.triage?.proposals ?? []
        summary = record.triage?.summary
        plan = record.plan
        written = record.written
        dryRun = record.dryRun
        notes = record.notes
        triage = record.triage?.source.rawValue
        model = record.triage?.model
        createdAt = record.createdAt.iso8601
        runID = record.runID
        fingerprint = record.fingerprint
        forced = record.forced
        durationMilliseconds = record.durationMilliseconds
        llmCalls = record.triage?.llmCalls
        promptTokens = record.triage?.promptTokens
        completionTokens = record.triage?.completionTokens
        rawOutput = record.triage?.rawOutput
        droppedLabels = record.triage.flatMap { $0.droppedLabels.isEmpty ? nil : $0.droppedLabels }
    }

    enum CodingKeys: String, CodingKey {
        case issue, outcome, reason, labels, summary, plan, written, notes, triage, model, fingerprint, forced
        case dryRun = "dry_run"
        case skipReason = "skip_reason"
        case createdAt = "created_at"
        case runID = "run_id"
        case durationMilliseconds = "duration_ms"
        case llmCalls = "llm_calls"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case rawOutput = "raw_output"
        case droppedLabels = "dropped_labels"
    }
}
