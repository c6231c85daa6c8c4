import Foundation

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
