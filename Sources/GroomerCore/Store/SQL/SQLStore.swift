import Foundation

/// The SQL both backends run, and how to reach a connection: a backend supplies the connection
/// (SQLite's thread, PostgreSQL's pool) and its dialect; the statements are written once.
public struct SQLStore: Sendable {
    let dialect: SQLDialect
    let connection: SQLExecutor
    /// The ingest's statements in this dialect, built once.
    let statements: IngestStatements
    /// Run first inside the migration's transaction (PostgreSQL's advisory lock).
    let migrationLock: String?
}

/// A backend whose statements are the shared SQL: everything of `GroomerStore` but ingesting
/// and closing comes from here.
public protocol SQLBackedStore: GroomerStore {
    var sql: SQLStore { get }
}

/// Rows one statement of `pruneDeliveries` deletes.
let pruneSlice = 5_000

extension SQLBackedStore {
    public var models: any ModelStore { SQLModelStore(connection: sql.connection) }
    public var sweeps: any SweepStore { SQLSweepStore(connection: sql.connection, statements: sql.statements) }
    public var review: any ReviewStore { SQLReviewStore(connection: sql.connection) }

    /// Runs one statement with the parameters `build` binds, on a connection of the backend.
    func query<T: Sendable>(_ build: (inout SQLParameters) -> String,
                            _ read: @escaping @Sendable ((rows: [SQLRow], changes: Int)) -> T) async throws -> T {
        var parameters = SQLParameters(sql.dialect)
        let text = build(&parameters)
        let values = parameters.values
        return try await sql.connection { db in read(try db.query(text, values)) }
    }

    public func migrate() async throws {
        let (dialect, lock) = (sql.dialect, sql.migrationLock)
        try await sql.connection { db in try StoreSchema.migrate(db, dialect: dialect, serialise: lock) }
    }

    public func checkReady() async throws {
        try await sql.connection { db in try StoreSchema.checkCurrent(db) }
    }

    public func delivery(hookID: String, guid: String) async throws -> DeliveryRecord? {
        try await query({ p in "SELECT \(StoreRows.deliveryColumns) FROM deliveries WHERE hook_id = \(p.bind(.text(hookID))) AND guid = \(p.bind(.text(guid)))" },
                        { $0.rows.first.map(StoreRows.delivery) })
    }

    public func deliveries(for key: IssueKey, limit: Int) async throws -> [DeliveryRecord] {
        try await query({ p in """
            SELECT \(StoreRows.deliveryColumns) FROM deliveries
            WHERE repository = \(p.bind(.text(key.repository))) AND issue_number = \(p.bind(.integer(Int64(key.number))))
            ORDER BY received_at DESC LIMIT \(p.bind(.integer(Int64(limit))))
            """ }, { $0.rows.map(StoreRows.delivery) })
    }

    public func deliveryCount() async throws -> Int {
        try await query({ _ in "SELECT COUNT(*) FROM deliveries" }, { $0.rows.first?.int(0) ?? 0 })
    }

    public func groomRequest(_ key: IssueKey) async throws -> GroomRequest? {
        let select = sql.statements.selectRequest
        return try await sql.connection { db in
            try db.query(select, [.text(key.repository), .integer(Int64(key.number))]).rows.first.map(StoreRows.request)
        }
    }

    public func pendingRequests() async throws -> [GroomRequest] {
        try await query({ _ in "SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE status = 'pending' ORDER BY due_at, repository, issue_number" },
                        { $0.rows.map(StoreRows.request) })
    }

    public func pendingRequestCount() async throws -> Int {
        try await query({ _ in "SELECT COUNT(*) FROM groom_requests WHERE status = 'pending'" }, { $0.rows.first?.int(0) ?? 0 })
    }

    public func labelDecisions(for key: IssueKey) async throws -> [LabelDecision] {
        try await query({ p in """
            SELECT label, change, actor, decided_at, delivery_guid FROM label_decisions
            WHERE repository = \(p.bind(.text(key.repository))) AND issue_number = \(p.bind(.integer(Int64(key.number)))) ORDER BY decided_at, id
            """ }, { $0.rows.map { StoreRows.labelDecision($0, key: key) } })
    }

    /// Deletes in slices of `pruneSlice` rows, each its own statement: a week of a busy hook is
    /// hundreds of thousands of rows, and one statement would hold the write lock (SQLite's
    /// only writer) for seconds while deliveries wait behind it. Then makes the space reusable
    /// where the backend needs telling (`SQLDialect.reclaimAfterPrune`).
    public func pruneDeliveries(receivedBefore cutoff: Date) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await query({ p in """
                DELETE FROM deliveries WHERE (hook_id, guid) IN (
                    SELECT hook_id, guid FROM deliveries WHERE received_at < \(p.time(cutoff)) LIMIT \(pruneSlice))
                """ }, { $0.changes })
            total += deleted
            if deleted < pruneSlice { break }
        }
        if total > 0, let reclaim = sql.dialect.reclaimAfterPrune {
            // A plain VACUUM locks out no reader or writer; it cannot run in a transaction, so it goes alone.
            try await sql.connection { db in try db.execute(reclaim) }
        }
        return total
    }
}
