import Foundation

/// The outcome of trying to take the run lock.
public enum LockAttempt: Sendable, Equatable {
    case acquired
    /// Someone else holds a live lock.
    case busy(holder: String, since: Date)
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
