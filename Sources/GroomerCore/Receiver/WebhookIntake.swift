import Foundation
import Logging

/// Everything after verification: map, record, coalesce, commit.
///
/// Shared by the HTTP receiver and the in-process replay, so both take the same path.
public struct WebhookIntake: Sendable {
    public let store: any DeliveryLog
    public let configuration: GroomerConfiguration
    public let mapper: EventMapper
    /// Each repository's policy as grooms read it; told when a push changes a repository's file.
    public let policies: RepositoryPolicies?
    public let clock: any GroomerClock
    /// Called after a groom request is committed, to wake the scheduler.
    public let onQueued: @Sendable (GroomRequest) -> Void

    public init(store: any DeliveryLog, configuration: GroomerConfiguration, mapper: EventMapper, policies: RepositoryPolicies? = nil,
                clock: any GroomerClock = SystemClock(), onQueued: @escaping @Sendable (GroomRequest) -> Void = { _ in }) {
        self.store = store
        self.configuration = configuration
        self.mapper = mapper
        self.policies = policies
        self.clock = clock
        self.onQueued = onQueued
    }

    /// A delivery after intake: its record, the effect it had and what the store did.
    public struct Outcome: Sendable, Equatable {
        public var delivery: DeliveryRecord
        public var effect: DeliveryEffect
        public var result: IngestResult
    }

    /// Records one verified delivery and applies its effect, committed before returning.
    /// - Throws: `StoreError` when the store cannot commit (the caller answers 503).
    public func accept(event: String, guid: String, hookID: String, payload: Data, logger: Logger) async throws -> Outcome {
        let receivedAt = clock.now()
        let mapped = mapper.map(event: event, payload: payload, guid: guid, receivedAt: receivedAt, hookID: hookID)
        let delivery = DeliveryRecord(hookID: hookID, guid: guid, event: event, mapped: mapped, receivedAt: receivedAt)
        let repository = mapped.repository ?? ""
        let coalescing = (policies?.policy(for: repository) ?? configuration.policy(for: repository)).debounce
        let result = try await store.ingest(delivery, effect: mapped.effect, coalescing: coalescing)
        if mapped.touchesRepositoryConfig, let name = mapped.repository { policies?.markChanged(name) }
        if case .recorded(.queued, let request?) = result { onQueued(request) }
        GroomerMetrics.delivery(outcome: result == .duplicate ? "duplicate" : delivery.outcome.rawValue)
        // Metadata is built only when the line is logged: this runs for every delivery.
        logger.debug("delivery recorded", metadata: {
            var metadata: Logger.Metadata = [
                "delivery": "\(guid)", "event": "\(event)",
                "outcome": "\(result == .duplicate ? "duplicate" : delivery.outcome.rawValue)",
            ]
            if let repository = mapped.repository { metadata["repository"] = "\(repository)" }
            if let number = mapped.issueNumber { metadata["issue"] = "\(number)" }
            if let reason = delivery.reason { metadata["reason"] = "\(reason)" }
            return metadata
        }())
        return Outcome(delivery: delivery, effect: mapped.effect, result: result)
    }
}
