import Foundation

/// The lifecycle of a groom request.
public enum RequestStatus: String, Sendable, Codable {
    /// Waiting for its due time, or due and not yet groomed (also while a failure waits to retry).
    case pending
    case done
    /// Gave up after the bounded number of attempts; a new event revives it.
    case failed
    /// The issue was closed, deleted or transferred before it was groomed.
    case cancelled
}

/// One coalesced groom request per issue.
public struct GroomRequest: Sendable, Equatable {
    public var key: IssueKey
    public var status: RequestStatus
    /// The first event of the current pending window; bounds the due time by `maxWait`.
    public var firstEventAt: Date
    public var lastEventAt: Date
    public var dueAt: Date
    /// Events coalesced into this window.
    public var events: Int
    /// Bumped by every event, so a run can tell whether the issue changed while it groomed.
    public var version: Int64
    /// Set by the manual re-groom: ignore the fingerprint.
    public var forced: Bool
    public var attempts: Int
    public var lastError: String?
    public var installationID: Int64?
    public var snapshot: IssueSnapshot?

    public init(key: IssueKey, status: RequestStatus, firstEventAt: Date, lastEventAt: Date, dueAt: Date, events: Int, version: Int64,
                forced: Bool, attempts: Int, lastError: String?, installationID: Int64?, snapshot: IssueSnapshot?) {
        self.key = key
        self.status = status
        self.firstEventAt = firstEventAt
        self.lastEventAt = lastEventAt
        self.dueAt = dueAt
        self.events = events
        self.version = version
        self.forced = forced
        self.attempts = attempts
        self.lastError = lastError
        self.installationID = installationID
        self.snapshot = snapshot
    }
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

/// The groom requests deliveries coalesce into, and what the runner asks of them.
public protocol RequestQueue: Sendable {
    func groomRequest(_ key: IssueKey) async throws -> GroomRequest?
    /// Requests with status `pending`, earliest due first.
    func pendingRequests() async throws -> [GroomRequest]
    /// How many requests are pending (the gauge), without reading them.
    func pendingRequestCount() async throws -> Int
    /// The earliest due time of any pending request, for the scheduler's sleep.
    func nextDueTime() async throws -> Date?
    /// Pending requests due by `now`, oldest due first, not leased by anyone.
    func dueRequests(now: Date, limit: Int) async throws -> [GroomRequest]
    /// Marks a groomed request; if events arrived since `version`, it stays pending for a later run.
    func completeRequest(_ key: IssueKey, version: Int64, completion: RequestCompletion, claimedAt: Date,
                         coalescing: CoalescingPolicy, now: Date) async throws
    /// A forced request due now (manual re-groom), coalesced with any pending one.
    func enqueueForced(_ key: IssueKey, installationID: Int64?, now: Date) async throws -> GroomRequest
}
