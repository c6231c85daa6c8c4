import Foundation

/// The store for several replicas: PostgreSQL through libpq. Parameterised queries
/// only; a small pool whose blocking calls run on threads of their own; migrations serialised
/// by an advisory lock so replicas may start together; lock and lease staleness by the
/// database's clock.
public final class PostgresStore: GroomerStore {
    private let pool: PostgresPool
    private static let migrationLockKey = 7_346_218_001

    /// - Parameter url: `postgres://user:pass@host:port/db` (any libpq connection URI).
    public init(url: String, poolSize: Int = 4) async throws {
        var url = url
        if !url.contains("connect_timeout") { url += (url.contains("?") ? "&" : "?") + "connect_timeout=5" }
        pool = PostgresPool(url: url, size: poolSize)
        _ = try await pool.withConnection { _ in true }  // fail at start on a bad URL or an unreachable server
    }

    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    public var models: any ModelStore { SQLModelStore(connection: executor) }

    public var sweeps: any SweepStore { SQLSweepStore(connection: executor) }

    public var review: any ReviewStore { SQLReviewStore(connection: executor) }

    /// The roles written once for both backends run their statements through this.
    private var executor: SQLExecutor { SQLExecutor { body in try await self.withConnection { db in try body(db) } } }

    public func migrate() async throws {
        try await withConnection { db in
            try db.transaction { () throws(StoreError) in
                try db.query("SELECT pg_advisory_xact_lock($1)", [.integer(Int64(Self.migrationLockKey))])
                try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
                let applied = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").rows.first?.int(0) ?? 0
                guard applied <= PostgresSchema.currentVersion else {
                    throw StoreError(.incompatible, "database schema version \(applied) is newer than this groomer (\(PostgresSchema.currentVersion))")
                }
                for migration in PostgresSchema.migrations where migration.version > applied {
                    try db.execute(migration.sql)
                    try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                                 [.integer(Int64(migration.version)), .integer(Date().epochMilliseconds)])
                }
            }
        }
    }

    public func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        if case .groom(let key, let installationID, let snapshot) = effect {
            // Most deliveries: the record and the coalescing upsert in one statement, one round trip.
            let parameters = SQLiteStatements.deliveryParameters(delivery) + [
                .text(key.repository), .integer(Int64(key.number)), .integer(delivery.receivedAt.epochMilliseconds),
                .integer(coalescing.quietMilliseconds), .integer(coalescing.maxWaitMilliseconds),
                .optional(installationID), .optional(snapshot?.storedJSON),
            ]
            return try await withConnection { db in
                // No row back: the delivery was already recorded, so nothing was upserted either.
                guard let row = try db.query(Self.recordAndUpsertRequest, parameters).rows.first else { return .duplicate }
                return .recorded(.queued, request: StoreRows.request(row))
            }
        }
        return try await withConnection { db in
            try db.transaction { () throws(StoreError) -> IngestResult in
                let inserted = try db.query(Self.insertDelivery, SQLiteStatements.deliveryParameters(delivery)).changes
                guard inserted == 1 else { return .duplicate }
                let at = delivery.receivedAt.epochMilliseconds
                switch effect {
                case .groom:
                    // Unreachable: a groom is recorded above, by `recordAndUpsertRequest`.
                    throw StoreError(.invalid, "a groom delivery reached the transaction for other effects")
                case .cancel(let key, _):
                    let changed = try db.query("""
                        UPDATE groom_requests SET status = 'cancelled', version = version + 1, updated_at = $1
                        WHERE repository = $2 AND issue_number = $3 AND status = 'pending'
                        """, [.integer(at), .text(key.repository), .integer(Int64(key.number))]).changes
                    // The request only when one was pending and is now cancelled.
                    guard changed > 0 else { return .recorded(.cancelled, request: nil) }
                    let rows = try db.query("SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE repository = $1 AND issue_number = $2",
                                            [.text(key.repository), .integer(Int64(key.number))]).rows
                    return .recorded(.cancelled, request: rows.first.map(StoreRows.request))
                case .labelDecision(let decision):
                    try db.query("""
                        INSERT INTO label_decisions (repository, issue_number, label, change, actor, decided_at, delivery_guid)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        """, [.text(decision.issue.repository), .integer(Int64(decision.issue.number)), .text(decision.label),
                              .text(decision.change.rawValue), .text(decision.actor), .integer(decision.decidedAt.epochMilliseconds),
                              .optional(decision.deliveryGUID)])
                    return .recorded(.labelDecision, request: nil)
                case .ping(let hookID):
                    try db.query("""
                        INSERT INTO webhook_hooks (hook_id, first_ping_at, last_ping_at) VALUES ($1, $2, $2)
                        ON CONFLICT (hook_id) DO UPDATE SET last_ping_at = excluded.last_ping_at
                        """, [.text(hookID), .integer(at)])
                    return .recorded(.pong, request: nil)
                case .ignore:
                    return .recorded(.ignored, request: nil)
                case .reject:
                    return .recorded(.rejected, request: nil)
                }
            }
        }
    }

    /// A delivery's record; $1–$11 as SQLite's `deliveryParameters`. A GUID already recorded changes nothing.
    static let insertDelivery = """
        INSERT INTO deliveries (hook_id, guid, event, action, repository, issue_number, sender, installation_id,
                                received_at, outcome, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (hook_id, guid) DO NOTHING
        """

    /// The delivery's record and the coalescing upsert as one statement, atomic as any statement is.
    /// $1–$11 the delivery (as in SQLite's insert); $12 repository, $13 issue, $14 event time,
    /// $15 quiet, $16 max wait, $17 installation, $18 snapshot. The upsert reads the inserted
    /// record, so a delivery already recorded (`DO NOTHING`) upserts nothing and returns no row.
    static let recordAndUpsertRequest = """
        WITH recorded AS (
            \(insertDelivery)
            RETURNING 1
        )
        INSERT INTO groom_requests AS r (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                         events, version, forced, attempts, installation_id, snapshot, updated_at)
        SELECT $12::text, $13::bigint, 'pending', $14::bigint, $14::bigint, $14::bigint + LEAST($15::bigint, $16::bigint),
               1, 1, 0, 0, $17::bigint, $18::text, $14::bigint
        FROM recorded
        ON CONFLICT (repository, issue_number) DO UPDATE SET
            first_event_at = CASE WHEN r.status = 'pending' THEN r.first_event_at ELSE excluded.first_event_at END,
            last_event_at = CASE WHEN r.status = 'pending' THEN GREATEST(r.last_event_at, excluded.last_event_at)
                                 ELSE excluded.last_event_at END,
            due_at = CASE WHEN r.status = 'pending'
                          THEN LEAST(GREATEST(r.last_event_at, excluded.last_event_at) + $15::bigint, r.first_event_at + $16::bigint)
                          ELSE excluded.due_at END,
            events = CASE WHEN r.status = 'pending' THEN r.events + 1 ELSE 1 END,
            forced = CASE WHEN r.status = 'pending' THEN r.forced ELSE 0 END,
            attempts = CASE WHEN r.status = 'pending' THEN r.attempts ELSE 0 END,
            last_error = CASE WHEN r.status = 'pending' THEN r.last_error ELSE NULL END,
            status = 'pending',
            version = r.version + 1,
            installation_id = COALESCE(excluded.installation_id, r.installation_id),
            snapshot = COALESCE(excluded.snapshot, r.snapshot),
            updated_at = excluded.updated_at
        RETURNING \(StoreRows.requestColumnsWithoutSnapshot)
        """

    public func delivery(hookID: String, guid: String) async throws -> DeliveryRecord? {
        try await withConnection { db in
            try db.query("SELECT \(StoreRows.deliveryColumns) FROM deliveries WHERE hook_id = $1 AND guid = $2",
                         [.text(hookID), .text(guid)]).rows.first.map(StoreRows.delivery)
        }
    }

    public func deliveries(for key: IssueKey, limit: Int) async throws -> [DeliveryRecord] {
        try await withConnection { db in
            try db.query("""
                SELECT \(StoreRows.deliveryColumns) FROM deliveries WHERE repository = $1 AND issue_number = $2
                ORDER BY received_at DESC LIMIT $3
                """, [.text(key.repository), .integer(Int64(key.number)), .integer(Int64(limit))]).rows.map(StoreRows.delivery)
        }
    }

    public func deliveryCount() async throws -> Int {
        try await withConnection { db in try db.query("SELECT COUNT(*) FROM deliveries").rows.first?.int(0) ?? 0 }
    }

    public func groomRequest(_ key: IssueKey) async throws -> GroomRequest? {
        try await withConnection { db in
            try db.query("SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE repository = $1 AND issue_number = $2",
                         [.text(key.repository), .integer(Int64(key.number))]).rows.first.map(StoreRows.request)
        }
    }

    public func pendingRequests() async throws -> [GroomRequest] {
        try await withConnection { db in
            try db.query("SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE status = 'pending' ORDER BY due_at, repository, issue_number")
                .rows.map(StoreRows.request)
        }
    }

    public func pendingRequestCount() async throws -> Int {
        try await withConnection { db in
            try db.query("SELECT COUNT(*) FROM groom_requests WHERE status = 'pending'", []).rows.first?.int(0) ?? 0
        }
    }

    public func labelDecisions(for key: IssueKey) async throws -> [LabelDecision] {
        try await withConnection { db in
            try db.query("""
                SELECT label, change, actor, decided_at, delivery_guid FROM label_decisions
                WHERE repository = $1 AND issue_number = $2 ORDER BY decided_at, id
                """, [.text(key.repository), .integer(Int64(key.number))]).rows.map { StoreRows.labelDecision($0, key: key) }
        }
    }

    public func checkReady() async throws {
        try await withConnection { db in
            let version = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").rows.first?.int(0) ?? 0
            guard version == PostgresSchema.currentVersion else {
                throw StoreError(.incompatible, "schema version \(version), expected \(PostgresSchema.currentVersion)")
            }
        }
    }

    public func pruneDeliveries(receivedBefore cutoff: Date) async throws -> Int {
        try await withConnection { db in
            try db.query("DELETE FROM deliveries WHERE received_at < $1", [.integer(cutoff.epochMilliseconds)]).changes
        }
    }

    public func close() async {
        await pool.close()
    }
}
