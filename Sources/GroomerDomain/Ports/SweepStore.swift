import Foundation

/// The reconcile sweep's side of the store: how far each repository has been swept, the
/// requests a sweep queues or cancels, the human removals it finds, and the lease that keeps
/// the sweep to one replica.
public protocol SweepStore: Sendable {
    /// The `updated_at` from which the repository's next sweep reads, if it was ever swept.
    func sweepWatermark(_ repository: String) async throws -> Date?
    func setSweepWatermark(_ repository: String, to watermark: Date, now: Date) async throws
    /// Queues a groom of an issue no delivery announced, due at `dueAt`; a request already
    /// pending is left as it is. Returns the request when one was queued.
    func enqueueSwept(_ key: IssueKey, installationID: Int64?, snapshot: IssueSnapshot, dueAt: Date, now: Date) async throws -> Bool
    /// Cancels a pending request of an issue the sweep found closed; true when one was pending.
    func cancelSwept(_ key: IssueKey, now: Date) async throws -> Bool
    /// Records human label decisions the sweep read from an issue's events (no delivery said
    /// them), beside those the receiver records.
    func recordSweptDecisions(_ decisions: [LabelDecision]) async throws
    func acquireSweepLease(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> Bool
    func releaseSweepLease(token: String) async throws
    /// The webhooks deliveries came from since `since`, each with a repository one of them named.
    func recentHooks(since: Date) async throws -> [RecentHook]
}

/// A webhook groomer heard from lately (`X-GitHub-Hook-ID`) and a repository it spoke of.
public struct RecentHook: Sendable, Equatable {
    public var hookID: String
    public var repository: String?

    public init(hookID: String, repository: String?) {
        self.hookID = hookID
        self.repository = repository
    }
}
