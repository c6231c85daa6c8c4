import Foundation

/// The outcome of trying to take the run lock.
public enum LockAttempt: Sendable, Equatable {
    case acquired
    /// Someone else holds a live lock.
    case busy(holder: String, since: Date)
}

/// How a groom ended, for its request.
public enum RequestCompletion: Sendable, Equatable {
    /// Groomed (or nothing to do): done unless new events arrived meanwhile.
    case done
    /// Failed; try again at `retryAt`.
    case retry(error: String, retryAt: Date)
    /// Failed for the last time; a new event revives it.
    case giveUp(error: String)
}

/// A groomer run, as the `runs` table keeps it.
public struct RunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var holder: String
    public var trigger: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var summary: RunSummary
}

/// What one run did.
public struct RunSummary: Sendable, Equatable, Codable {
    /// `completed`, `lock_lost`, `failed` or `running`.
    public var result: String = "running"
    public var considered = 0
    public var groomed = 0
    public var skipped = 0
    public var failed = 0

    public init(result: String = "running", considered: Int = 0, groomed: Int = 0, skipped: Int = 0, failed: Int = 0) {
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

/// The run lock and the per-issue leases: one run at a time across replicas, one groom per issue.
public protocol RunLock: Sendable {
    /// One atomic statement: insert the lock row, or take over one not refreshed for `ttl`.
    func acquireRunLock(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> LockAttempt
    /// Refreshes the lock; false when the token no longer holds it.
    func heartbeatRunLock(token: String, now: Date) async throws -> Bool
    /// Deletes the lock row only where the token matches.
    func releaseRunLock(token: String) async throws
    /// The lock row's holder, if any (for operators and tests).
    func runLockHolder() async throws -> String?
    /// Leases an issue unless someone holds a live lease; true when this token holds it.
    func leaseIssue(_ key: IssueKey, token: String, ttl: TimeInterval, now: Date) async throws -> Bool
    func releaseIssueLease(_ key: IssueKey, token: String) async throws
    /// Live or stale lease rows (for operators and tests).
    func leaseCount() async throws -> Int
}

/// The audit: runs, and every groom's record.
public protocol AuditLog: Sendable {
    func startRun(token: String, holder: String, trigger: String, now: Date) async throws -> Int64
    func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws
    /// Recent runs, newest first.
    func runs(limit: Int, before: Int64?) async throws -> [RunRecord]
    func recordGroom(_ record: GroomRecord) async throws
    /// The fingerprint of the last groom that triaged this issue successfully.
    func lastFingerprint(_ key: IssueKey) async throws -> String?
    /// Audit records of one issue, newest first.
    func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord]
}

/// What a run needs of the store: the lock and leases, the queue, the audit and the label ledger.
public typealias RunStore = RunLock & RequestQueue & AuditLog & LabelLedger
