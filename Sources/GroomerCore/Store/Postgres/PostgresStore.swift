import Foundation

/// The store for several replicas: PostgreSQL through libpq. Parameterised queries
/// only; a small pool whose blocking calls run on threads of their own; migrations serialised
/// by an advisory lock so replicas may start together; lock and lease staleness by the
/// database's clock.
public final class PostgresStore: SQLBackedStore {
    private let pool: PostgresPool
    private let groupCommit: PostgresGroupCommit
    private static let migrationLockKey = 7_346_218_001

    /// - Parameter url: `postgres://user:pass@host:port/db` (any libpq connection URI).
    public init(url: String, poolSize: Int = 4) async throws {
        var url = url
        if !url.contains("connect_timeout") { url += (url.contains("?") ? "&" : "?") + "connect_timeout=5" }
        pool = PostgresPool(url: url, size: poolSize)
        groupCommit = PostgresGroupCommit(pool: pool, lanes: poolSize)
        _ = try await pool.withConnection { _ in true }  // fail at start on a bad URL or an unreachable server
    }

    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    public var sql: SQLStore {
        SQLStore(dialect: .postgres, connection: SQLExecutor { body in try await self.withConnection { db in try body(db) } },
                 statements: .postgres, migrationLock: "SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
    }

    /// Concurrent deliveries share a transaction, one per pooled connection at a time
    /// (`PostgresGroupCommit`); a delivery alone is one statement.
    public func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        try await groupCommit.ingest(delivery, effect: effect, coalescing: coalescing)
    }

    public func close() async {
        await pool.close()
    }
}
