import Foundation

/// Where a delivery ended up: the `outcome` column of a recorded delivery.
public enum DeliveryOutcome: String, Sendable, Codable {
    case queued, cancelled, pong, ignored, rejected
    case labelDecision = "label_decision"

    init(_ effect: DeliveryEffect) {
        switch effect {
        case .groom: self = .queued
        case .cancel: self = .cancelled
        case .labelDecision: self = .labelDecision
        case .ping: self = .pong
        case .ignore: self = .ignored
        case .reject: self = .rejected
        }
    }
}

/// A verified delivery as the store keeps it: deduplicated on (hook id, GUID).
public struct DeliveryRecord: Sendable, Equatable, Codable {
    public var hookID: String
    public var guid: String
    public var event: String
    public var action: String?
    public var repository: String?
    public var issueNumber: Int?
    public var sender: String?
    public var installationID: Int64?
    public var receivedAt: Date
    public var outcome: DeliveryOutcome
    public var reason: String?

    public init(hookID: String, guid: String, event: String, mapped: MappedDelivery, receivedAt: Date) {
        self.hookID = hookID
        self.guid = guid
        self.event = event
        action = mapped.action
        repository = mapped.repository
        issueNumber = mapped.issueNumber
        sender = mapped.sender
        installationID = mapped.installationID
        self.receivedAt = receivedAt
        outcome = DeliveryOutcome(mapped.effect)
        switch mapped.effect {
        case .ignore(let why), .reject(let why), .cancel(_, let why): reason = why
        default: reason = nil
        }
    }

    init(hookID: String, guid: String, event: String, action: String?, repository: String?, issueNumber: Int?,
         sender: String?, installationID: Int64?, receivedAt: Date, outcome: DeliveryOutcome, reason: String?) {
        self.hookID = hookID
        self.guid = guid
        self.event = event
        self.action = action
        self.repository = repository
        self.issueNumber = issueNumber
        self.sender = sender
        self.installationID = installationID
        self.receivedAt = receivedAt
        self.outcome = outcome
        self.reason = reason
    }
}

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
}

/// What `ingest` did with a delivery.
public enum IngestResult: Sendable, Equatable {
    /// The (hook id, GUID) pair was seen before; nothing changed.
    case duplicate
    /// Recorded, with the groom request as it stands after coalescing, if the delivery touched one.
    case recorded(DeliveryOutcome, request: GroomRequest?)
}

/// The deliveries as received: recorded with their effect in one transaction, kept for the
/// retention period.
public protocol DeliveryLog: Sendable {
    /// Records a delivery and applies its effect in one transaction: both or neither.
    func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult
    func delivery(hookID: String, guid: String) async throws -> DeliveryRecord?
    /// Deliveries about one issue, newest first.
    func deliveries(for key: IssueKey, limit: Int) async throws -> [DeliveryRecord]
    func deliveryCount() async throws -> Int
    /// Deletes deliveries received before `cutoff`; returns how many.
    func pruneDeliveries(receivedBefore cutoff: Date) async throws -> Int
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

/// What groomer and humans did to labels: the labels groomer added and still counts as its
/// own, and the human decisions the receiver recorded.
public protocol LabelLedger: Sendable {
    /// Human label decisions on one issue, oldest first.
    func labelDecisions(for key: IssueKey) async throws -> [LabelDecision]
    /// Labels the groomer added to the issue and still counts as its own.
    func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String>
    func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws
}

/// The durable state of groomer, one implementation per backend: each role a port of a few
/// methods (`DeliveryLog`, `RequestQueue`, `RunLock`, `AuditLog`, `LabelLedger`, and the
/// models', sweep's and page's stores), so a caller can be given only the role it uses.
public protocol GroomerStore: DeliveryLog, RequestQueue, RunLock, AuditLog, LabelLedger {
    /// The learned triage's models, the decisions they learn from, and the training lease.
    var models: any ModelStore { get }
    /// The reconcile sweep's watermarks, the requests it queues, and its lease.
    var sweeps: any SweepStore { get }
    /// What the maintainer's page reads: decisions across issues, the queue, human corrections.
    var review: any ReviewStore { get }

    /// Creates or upgrades the schema; safe to call from several processes at once.
    func migrate() async throws
    /// Throws unless the store answers and its schema is current (readiness).
    func checkReady() async throws
    func close() async
}
