import Synchronization

/// Group commit for SQLite ingests: deliveries queue here while the store's thread is busy, and
/// the next job on that thread commits all of them in one transaction (`commitQueued`).
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

    /// Hands what is queued to `commit`, in batches of at most `maximumBatch`, until the queue is empty.
    func drain(_ commit: ([Pending]) -> Void) {
        while true {
            let batch: [Pending] = queue.withLock { queue in
                let batch = Array(queue.prefix(Self.maximumBatch))
                queue.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            commit(batch)
        }
    }
}
