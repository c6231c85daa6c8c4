import Foundation

/// Where a delivery ended up: the `outcome` column of a recorded delivery.
public enum DeliveryOutcome: String, Sendable, Codable {
    case queued, cancelled, pong, ignored, rejected
    case labelDecision = "label_decision"

    public init(_ effect: DeliveryEffect) {
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

    public init(hookID: String, guid: String, event: String, action: String?, repository: String?, issueNumber: Int?,
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
