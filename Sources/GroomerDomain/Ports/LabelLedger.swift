import Foundation

/// What groomer and humans did to labels: the labels groomer added and still counts as its
/// own, and the human decisions the receiver recorded.
public protocol LabelLedger: Sendable {
    /// Human label decisions on one issue, oldest first.
    func labelDecisions(for key: IssueKey) async throws -> [LabelDecision]
    /// Labels the groomer added to the issue and still counts as its own.
    func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String>
    func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws
}

/// What a run needs of the store: the lock and leases, the queue, the audit and the label ledger.
public typealias RunStore = RunLock & RequestQueue & AuditLog & LabelLedger
