import Foundation
import Synchronization

/// Group commit for PostgreSQL ingests: deliveries queue here, and up to one drainer per pooled
/// connection takes what is queued and commits it in one transaction, so a server that syncs
/// its WAL pays one flush per batch instead of one per delivery, on every connection at once.
///
/// A delivery alone (the queue was empty) costs what it did without batching: one statement,
/// one round trip. A batch of groom deliveries (one statement each) goes as one libpq pipeline:
/// one round trip and one implicit transaction; any other batch between `BEGIN` and `COMMIT`.
/// Each is acknowledged only after the commit that holds it. A batch that fails is rolled back
/// and each of its deliveries is tried in a transaction of its own, so one failure never fails
/// or half-writes another. A batch's statements run in the order of the
/// issues they touch, so two batches never lock the same two requests in opposite orders.
final class PostgresGroupCommit: Sendable {
    private struct State {
        var queue: [IngestBatch.Pending] = []
        var drainers = 0
    }

    /// At most this many deliveries share a transaction.
    static let maximumBatch = 16

    private let pool: PostgresPool
    private let lanes: Int
    private let state = Mutex(State())

    init(pool: PostgresPool, lanes: Int) {
        self.pool = pool
        self.lanes = max(1, lanes)
    }

    func ingest(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy) async throws -> IngestResult {
        try await withCheckedThrowingContinuation { continuation in
            let pending = IngestBatch.Pending(delivery: delivery, effect: effect, coalescing: coalescing, continuation: continuation)
            let startDrainer = state.withLock { state -> Bool in
                state.queue.append(pending)
                guard state.drainers < lanes else { return false }
                state.drainers += 1
                return true
            }
            if startDrainer { Task { await self.drain() } }
        }
    }

    /// Commits batches until the queue is empty; the drainer count falls in the same critical
    /// section that finds the queue empty, so a delivery queued meanwhile always has a drainer.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [IngestBatch.Pending] in
                let batch = Array(state.queue.prefix(Self.maximumBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.drainers -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await pool.withConnection { db in Self.commit(batch, on: db) }
            } catch {
                // No connection to be had: nothing of the batch was written.
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }

    private static func commit(_ batch: [IngestBatch.Pending], on db: PostgresConnection) {
        guard batch.count > 1 else {
            let pending = batch[0]
            do {
                let result = try ingest(pending, on: db, inTransaction: false)
                pending.continuation.resume(returning: result)
            } catch {
                pending.continuation.resume(throwing: error)
            }
            return
        }
        let ordered = batch.enumerated().sorted { a, b in
            let (x, y) = (a.element.delivery, b.element.delivery)
            return (x.repository ?? "", x.issueNumber ?? 0, a.offset) < (y.repository ?? "", y.issueNumber ?? 0, b.offset)
        }.map(\.element)
        var results: [IngestResult] = []
        results.reserveCapacity(ordered.count)
        do {
            let statements = ordered.compactMap(combinedStatement)
            if statements.count == ordered.count {
                // Every delivery is one statement: all of them in one round trip and one transaction.
                results = try db.pipeline(statements).map { combinedResult($0.rows) }
            } else {
                try db.query("BEGIN", [])
                for pending in ordered { results.append(try ingest(pending, on: db, inTransaction: true)) }
                try db.query("COMMIT", [])
            }
        } catch {
            _ = try? db.query("ROLLBACK", [])
            // Whether the fault was one delivery's or the server's, each now stands alone.
            for pending in ordered { commit([pending], on: db) }
            return
        }
        for (pending, result) in zip(ordered, results) { pending.continuation.resume(returning: result) }
    }

    /// A groom delivery's record and upsert as the one statement they fit; nil for any other
    /// delivery, whose writes take more.
    private static func combinedStatement(_ pending: IngestBatch.Pending) -> (sql: String, parameters: [SQLValue])? {
        guard case .groom(let key, let installationID, _) = pending.effect,
              let combined = IngestStatements.postgres.recordAndUpsertRequest else { return nil }
        let parameters = IngestStatements.deliveryParameters(pending.delivery)
            + IngestStatements.upsertParameters(key, at: pending.delivery.receivedAt.epochMilliseconds, coalescing: pending.coalescing,
                                                installationID: installationID, snapshotJSON: pending.snapshotJSON)
        return (combined, parameters)
    }

    /// What the combined statement's rows say: the request it upserted, or none when the
    /// delivery was already recorded (so nothing was upserted either).
    private static func combinedResult(_ rows: [SQLRow]) -> IngestResult {
        rows.first.map { .recorded(.queued, request: StoreRows.request($0)) } ?? .duplicate
    }

    /// One delivery: a groom delivery's record and upsert in one statement; any other delivery's
    /// writes in a transaction of their own unless the batch's holds them.
    private static func ingest(_ pending: IngestBatch.Pending, on db: PostgresConnection, inTransaction: Bool) throws(StoreError) -> IngestResult {
        if let combined = combinedStatement(pending) {
            return combinedResult(try db.query(combined.sql, combined.parameters).rows)
        }
        let one = { () throws(StoreError) -> IngestResult in
            try IngestStatements.postgres.ingestOne(pending.delivery, effect: pending.effect, coalescing: pending.coalescing, snapshotJSON: nil, on: db)
        }
        return inTransaction ? try one() : try db.transaction(one)
    }
}
