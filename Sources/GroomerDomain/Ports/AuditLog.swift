import Foundation

/// Why a run started, as the audit keeps it.
public enum RunTrigger: String, Sendable, Codable {
    /// Requests came due (`serve`).
    case scheduler
    /// An operator asked (`POST /api/runs`, the page, a re-groom).
    case manual
    /// `groomer groom` from the command line.
    case groom
    /// `groomer replay`.
    case replay
}

/// How a run ended.
public enum RunResult: String, Sendable, Codable {
    /// Still going (or its process died before it could say).
    case running
    /// Every due request it took was groomed or released, and it held the lock throughout.
    case completed
    /// Another holder took the lock over; the run stopped taking issues.
    case lockLost = "lock_lost"
    case failed
}

/// A groomer run, as the `runs` table keeps it.
public struct RunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var holder: String
    public var trigger: RunTrigger
    public var startedAt: Date
    public var finishedAt: Date?
    public var summary: RunSummary

    public init(id: Int64, holder: String, trigger: RunTrigger, startedAt: Date, finishedAt: Date?, summary: RunSummary) {
        self.id = id
        self.holder = holder
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.summary = summary
    }
}

/// What one run did.
public struct RunSummary: Sendable, Equatable, Codable {
    public var result: RunResult = .running
    public var considered = 0
    public var groomed = 0
    public var skipped = 0
    public var failed = 0

    public init(result: RunResult = .running, considered: Int = 0, groomed: Int = 0, skipped: Int = 0, failed: Int = 0) {
        self.result = result
        self.considered = considered
        self.groomed = groomed
        self.skipped = skipped
        self.failed = failed
    }
}

/// The audit of one groomed issue: what was read, decided and written.
public struct GroomRecord: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// Labels were written.
        case applied
        /// Dry run: the plan was recorded, nothing written.
        case dryRun = "dry_run"
        /// Suggest mode: the additions went to GitHub as pending suggestions for a human to accept.
        case suggested
        /// The plan was empty: nothing to write.
        case noChange = "no_change"
        /// Same fingerprint as the last groom: no triage.
        case unchanged
        /// Closed, locked, transferred, deleted or a pull request.
        case skipped
        case failed
    }

    public var key: IssueKey
    public var runID: Int64?
    public var requestVersion: Int64?
    public var outcome: Outcome
    public var reason: String?
    /// Why it was skipped, when `outcome` is `skipped`; `reason` says it in words.
    public var skip: GroomPlanner.SkipReason?
    public var fingerprint: String?
    public var triage: TriageResult?
    public var plan: LabelPlan?
    /// Why proposals were left out of the plan.
    public var notes: [String: String]
    public var written: LabelPlan?
    public var dryRun: Bool
    public var forced: Bool
    public var durationMilliseconds: Int
    public var createdAt: Date

    public init(key: IssueKey, runID: Int64?, requestVersion: Int64?, outcome: Outcome, reason: String? = nil,
                fingerprint: String? = nil, triage: TriageResult? = nil, plan: LabelPlan? = nil, notes: [String: String] = [:],
                written: LabelPlan? = nil, dryRun: Bool, forced: Bool, durationMilliseconds: Int, createdAt: Date) {
        self.key = key
        self.runID = runID
        self.requestVersion = requestVersion
        self.outcome = outcome
        self.reason = reason
        self.fingerprint = fingerprint
        self.triage = triage
        self.plan = plan
        self.notes = notes
        self.written = written
        self.dryRun = dryRun
        self.forced = forced
        self.durationMilliseconds = durationMilliseconds
        self.createdAt = createdAt
    }
}

/// The audit: runs, and every groom's record.
public protocol AuditLog: Sendable {
    func startRun(token: String, holder: String, trigger: RunTrigger, now: Date) async throws -> Int64
    func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws
    /// Recent runs, newest first.
    func runs(limit: Int, before: Int64?) async throws -> [RunRecord]
    func recordGroom(_ record: GroomRecord) async throws
    /// The fingerprint of the last groom that triaged this issue successfully.
    func lastFingerprint(_ key: IssueKey) async throws -> String?
    /// Audit records of one issue, newest first.
    func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord]
}
