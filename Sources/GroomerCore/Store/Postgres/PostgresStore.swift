import Foundation

/// The store for several replicas: PostgreSQL through libpq. Parameterised queries
/// only; a small pool whose blocking calls run on threads of their own; migrations serialised
/// by an advisory lock so replicas may start together; lock and lease staleness by the
/// database's clock.
public final class PostgresStore: SQLBackedStore {
    private let pool: PostgresPool
    private let ingests = IngestBatch()
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

    /// A groom delivery's record and coalescing upsert are one statement. Groom deliveries that
    /// arrive together share a commit: they queue (`IngestBatch`) while one pooled connection
    /// sends the batch as one pipeline, one implicit transaction; each is answered after that
    /// commit, and a batch that fails is tried again one delivery at a time. Any other delivery's
    /// writes share a transaction of their own.
    public func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        let statements = IngestStatements.postgres
        if case .groom = effect, statements.recordAndUpsertRequest != nil {
            return try await withCheckedThrowingContinuation { continuation in
                let pending = IngestBatch.Pending(delivery: delivery, effect: effect, coalescing: coalescing, continuation: continuation)
                guard ingests.enqueue(pending) else { return }
                let (pool, ingests) = (self.pool, self.ingests)
                Task {
                    do {
                        try await pool.withConnection { db in ingests.drain(limit: Self.pipelineBatch) { Self.commit($0, on: db) } }
                    } catch {
                        // No connection at all: what is queued fails as the first did (the receiver answers 503).
                        ingests.drain { batch in for pending in batch { pending.continuation.resume(throwing: error) } }
                    }
                }
            }
        }
        return try await withConnection { db in
            try db.transaction { () throws(StoreError) -> IngestResult in
                try statements.ingestOne(delivery, effect: effect, coalescing: coalescing, snapshotJSON: nil, on: db)
            }
        }
    }

    /// Groom deliveries per pipeline at most: a pipeline's statements and answers stay well
    /// inside the socket buffers, so neither side waits on the other while it is sent.
    static let pipelineBatch = 64

    private static func commit(_ batch: [IngestBatch.Pending], on db: PostgresConnection) {
        guard let combined = IngestStatements.postgres.recordAndUpsertRequest else { return }
        let statements = batch.map { pending -> (sql: String, parameters: [SQLValue]) in
            guard case .groom(let key, let installationID, _) = pending.effect else { return (combined, []) }
            return (combined, IngestStatements.deliveryParameters(pending.delivery)
                + IngestStatements.upsertParameters(key, at: pending.delivery.receivedAt.epochMilliseconds, coalescing: pending.coalescing,
                                                    installationID: installationID, snapshotJSON: pending.snapshotJSON))
        }
        do {
            let results = batch.count == 1 ? [try db.query(statements[0].sql, statements[0].parameters)] : try db.pipeline(statements)
            for (pending, result) in zip(batch, results) {
                // No row back: the delivery was already recorded, so nothing was upserted either.
                pending.continuation.resume(returning: result.rows.first.map { .recorded(.queued, request: StoreRows.request($0)) } ?? .duplicate)
            }
        } catch {
            guard batch.count > 1 else {
                batch[0].continuation.resume(throwing: error)
                return
            }
            // The whole pipeline was rolled back: each delivery now stands alone.
            for pending in batch { commit([pending], on: db) }
        }
    }

    public func close() async {
        await pool.close()
    }
}
