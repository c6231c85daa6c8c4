import Synchronization

/// Group commit for SQLite ingests: deliveries queue here while the store's thread is busy, and
/// the next job on that thread commits all of them in one transaction.
///
/// With concurrent deliveries the commit cost (the WAL append, and with `synchronous=FULL` the
/// fsync) is paid once per batch instead of once per delivery. Each delivery is acknowledged only
/// after the commit that holds it. If any delivery of a batch fails, the batch is rolled back and
/// each of its deliveries is tried again in a transaction of its own, so one failure never fails
/// or half-writes another.
final class IngestBatch: Sendable {
    /// An ingest waiting for a commit.
    struct Pending: Sendable {
        var delivery: DeliveryRecord
        var effect: DeliveryEffect
        var coalescing: CoalescingPolicy
        /// The groom snapshot as stored, written by the caller so the store's thread does not.
        var snapshotJSON: String?
        var continuation: CheckedContinuation<IngestResult, any Error>

        init(delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy,
             continuation: CheckedContinuation<IngestResult, any Error>) {
            self.delivery = delivery
            self.effect = effect
            self.coalescing = coalescing
            if case .groom(_, _, let snapshot?) = effect { snapshotJSON = snapshot.storedJSON }
            self.continuation = continuation
        }
    }

    /// At most this many deliveries share a transaction, so one commit never holds the write lock long.
    static let maximumBatch = 256

    private let queue = Mutex<[Pending]>([])

    /// Queues `pending`; true when the queue was empty, so the caller must schedule `commitQueued`.
    func enqueue(_ pending: Pending) -> Bool {
        queue.withLock { queue in
            queue.append(pending)
            return queue.count == 1
        }
    }

    /// How many ingests wait for a commit.
    var count: Int { queue.withLock { $0.count } }

    /// Commits what is queued, in batches; runs on the store's thread.
    func commitQueued(on db: SQLiteConnection) {
        while true {
            let batch: [Pending] = queue.withLock { queue in
                let batch = Array(queue.prefix(Self.maximumBatch))
                queue.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            commit(batch, on: db)
        }
    }

    private func commit(_ batch: [Pending], on db: SQLiteConnection) {
        do {
            try db.query(db.beginStatement, [])
        } catch {
            // The write lock could not be had (another process held it past the busy timeout).
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        var results: [IngestResult] = []
        results.reserveCapacity(batch.count)
        for pending in batch {
            do {
                results.append(try IngestStatements.sqlite.ingestOne(pending.delivery, effect: pending.effect, coalescing: pending.coalescing,
                                                                     snapshotJSON: pending.snapshotJSON, on: db))
            } catch {
                if db.isInTransaction { try? db.execute("ROLLBACK") }
                guard batch.count > 1 else {
                    pending.continuation.resume(throwing: error)
                    return
                }
                // Whether the fault was this delivery's or the disk's, each now stands alone.
                for pending in batch { commit([pending], on: db) }
                return
            }
        }
        do {
            try db.query("COMMIT", [])
        } catch {
            // Nothing of this batch is committed: every delivery in it fails (the receiver answers 503).
            if db.isInTransaction { try? db.execute("ROLLBACK") }
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, result) in zip(batch, results) { pending.continuation.resume(returning: result) }
    }
}
