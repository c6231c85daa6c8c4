import Foundation

/// The store for several replicas: PostgreSQL through libpq. Parameterised queries
/// only; a small pool whose blocking calls run on threads of their own; migrations serialised
/// by an advisory lock so replicas may start together; lock and lease staleness by the
/// database's clock.
public final class PostgresStore: SQLBackedStore {
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

    public var sql: SQLStore {
        SQLStore(dialect: .postgres, connection: SQLExecutor { body in try await self.withConnection { db in try body(db) } },
                 statements: .postgres, migrationLock: "SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
    }

    /// A groom delivery's record and coalescing upsert are one statement, one round trip; any
    /// other delivery's writes share a transaction.
    public func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        let statements = IngestStatements.postgres
        if case .groom(let key, let installationID, let snapshot) = effect, let combined = statements.recordAndUpsertRequest {
            let parameters = IngestStatements.deliveryParameters(delivery)
                + IngestStatements.upsertParameters(key, at: delivery.receivedAt.epochMilliseconds, coalescing: coalescing,
                                                    installationID: installationID, snapshotJSON: snapshot?.storedJSON)
            return try await withConnection { db in
                // No row back: the delivery was already recorded, so nothing was upserted either.
                guard let row = try db.query(combined, parameters).rows.first else { return .duplicate }
                return .recorded(.queued, request: StoreRows.request(row))
            }
        }
        return try await withConnection { db in
            try db.transaction { () throws(StoreError) -> IngestResult in
                try statements.ingestOne(delivery, effect: effect, coalescing: coalescing, snapshotJSON: nil, on: db)
            }
        }
    }

    public func close() async {
        await pool.close()
    }
}
