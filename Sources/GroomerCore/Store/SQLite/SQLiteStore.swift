import Foundation

/// The embedded default store: one SQLite file in WAL mode.
///
/// Every statement runs on the store's own `DedicatedThread`, never on the cooperative pool.
/// Several processes may share the file; SQLite's write lock serialises their transactions.
/// A second connection on a thread of its own copies the write-ahead log into the file
/// (`WALCheckpointer`), so commits do not wait for that.
public final class SQLiteStore: SQLBackedStore {
    private let thread: DedicatedThread
    private let box: ConfinedConnection
    let ingests = IngestBatch()
    /// Nil for an in-memory database, which keeps no log.
    let checkpointer: WALCheckpointer?

    /// - Parameters:
    ///   - path: the database file, or `:memory:`.
    ///   - durability: `normal` (WAL, survives a process crash) or `full` (also a power cut; slower).
    ///   - busyTimeout: how long a write waits for another process's transaction before the store
    ///     reports itself unavailable.
    public convenience init(path: String, durability: SQLiteDurability = .normal, busyTimeout: TimeInterval = 5) async throws {
        try await self.init(path: path, durability: durability, busyTimeout: busyTimeout, checkpoints: WALCheckpointer.Limits())
    }

    /// - Parameter checkpoints: when the write-ahead log is copied into the file, and by whom.
    init(path: String, durability: SQLiteDurability, busyTimeout: TimeInterval, checkpoints: WALCheckpointer.Limits) async throws {
        let thread = DedicatedThread(name: "groomer-sqlite")
        self.thread = thread
        var opened: WALCheckpointer?
        do {
            let (box, usesLog) = try await thread.run {
                let connection = try SQLiteConnection(path: path, synchronous: durability.rawValue, busyTimeout: busyTimeout)
                return (ConfinedConnection(connection), try connection.usesWriteAheadLog)
            }
            self.box = box
            opened = usesLog ? try await WALCheckpointer(path: path, durability: durability, limits: checkpoints) : nil
            checkpointer = opened
            if let checkpointer = opened {
                try await thread.run {
                    let db = box.connection
                    let pageSize = try db.query("PRAGMA page_size", []).rows.first?.int(0) ?? 4096
                    // A log that grew under load is cut back to this size when it starts over.
                    try db.query("PRAGMA journal_size_limit = \(checkpoints.writerPages * pageSize)", [])
                    db.observeCommits { logPages in checkpointer.committed(logPages: logPages) }
                }
            }
        } catch {
            // Neither thread outlives a store that failed to open.
            opened?.stop()
            thread.stop()
            throw error
        }
    }

    /// Runs `body` with the connection on the store's thread.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let box = self.box
        return try await thread.run { try body(box.connection) }
    }

    public var sql: SQLStore {
        SQLStore(dialect: .sqlite, connection: SQLExecutor { body in try await self.withConnection { db in try body(db) } },
                 statements: .sqlite, migrationLock: nil)
    }

    /// Records a delivery and its effect. Deliveries that arrive while the store's thread is busy
    /// are committed together (`IngestBatch`): one transaction, one WAL append; a delivery that
    /// fails is retried alone, so it cannot take the others with it. Returns after the commit.
    public func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        try await withCheckedThrowingContinuation { continuation in
            let pending = IngestBatch.Pending(delivery: delivery, effect: effect, coalescing: coalescing, continuation: continuation)
            if ingests.enqueue(pending) {
                let box = self.box, ingests = self.ingests
                thread.submit { ingests.commitQueued(on: box.connection) }
            }
        }
    }

    public func close() async {
        thread.stop()
        checkpointer?.stop()
    }
}

/// How hard SQLite works to keep a commit: `normal` survives a process crash (WAL),
/// `full` also survives a power cut, at the cost of an fsync per commit.
public enum SQLiteDurability: String, Sendable {
    case normal = "NORMAL"
    case full = "FULL"
}
