import Synchronization

/// Group commit for SQLite ingests: deliveries queue here while the store's thread is busy, and
/// the next job on that thread commits all of them in one transaction.
///
/// With concurrent deliveries the commit cost (the WAL append, and with `synchronous=FULL` the
/// fsync) is paid once per batch instead of once per delivery. Each delivery still runs in its
/// own savepoint and is acknowledged only after the commit that holds it.
final class IngestBatch: Sendable {
    /// An ingest waiting for a commit.
    struct Pending: Sendable {
        var delivery: DeliveryRecord
        var effect: DeliveryEffect
        var coalescing: CoalescingPolicy
        var continuation: CheckedContinuation<IngestResult, any Error>
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
        var results: [Result<IngestResult, StoreError>] = []
        results.reserveCapacity(batch.count)
        do {
            try db.execute(db.beginStatement)
            for pending in batch {
                do {
                    try db.query("SAVEPOINT ingest", [])
                    let result = try SQLiteStore.ingestOne(pending, on: db)
                    try db.query("RELEASE ingest", [])
                    results.append(.success(result))
                } catch {
                    // A full disk or an I/O error can end the whole transaction; then the batch fails as one.
                    guard db.isInTransaction else { throw error }
                    _ = try? db.query("ROLLBACK TO ingest", [])
                    _ = try? db.query("RELEASE ingest", [])
                    results.append(.failure(error))
                }
            }
            try db.execute("COMMIT")
        } catch {
            // Nothing of this batch is committed: every delivery in it fails (the receiver answers 503).
            try? db.execute("ROLLBACK")
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
    }
}
