import Foundation

/// SQLite's group commit: a batch in one transaction on the store's thread, one WAL append.
extension IngestBatch {
    /// Commits what is queued on SQLite, in batches; runs on the store's thread.
    func commitQueued(on db: SQLiteConnection) {
        drain { batch in commit(batch, on: db) }
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
