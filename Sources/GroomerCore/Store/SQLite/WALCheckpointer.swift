import Dispatch
import Synchronization

/// Copies SQLite's write-ahead log into the database file (a checkpoint) on a connection and
/// thread of its own, so the store's writer does not stop for the checkpoint's reads, writes
/// and fsyncs while deliveries wait behind it.
///
/// After each commit the writer reports the log's length (`committed(logPages:)`); once
/// `Limits.backgroundPages` pages are not yet copied, a passive checkpoint runs here, which
/// never blocks the writer. The log starts over only at a transaction that finds it all copied,
/// which a load that never pauses does not allow, so at `Limits.writerPages` the writer copies
/// the rest itself after its commit, as SQLite does by default at 1,000 pages, and the next
/// transaction starts the log over. The log file is cut back to that size when it does.
final class WALCheckpointer: Sendable {
    /// When to checkpoint, in pages of the log.
    struct Limits: Sendable {
        /// Pages not yet copied that start a checkpoint on the checkpointer's thread.
        var backgroundPages = 1_000
        /// A log this long is copied by the writer itself, after its commit.
        var writerPages = 16_000
    }

    let limits: Limits
    private let thread: DedicatedThread
    private let box: ConfinedConnection
    /// Whether a checkpoint is queued on `thread` and has not started yet.
    private let queued = Atomic<Bool>(false)
    /// Pages of the log the last checkpoint here left copied (stale once the log starts over).
    private let copiedPages = Atomic<Int>(0)
    /// Checkpoints finished on `thread`, and the tests waiting for a count of them.
    private let progress = Mutex(Progress())

    private struct Progress {
        var finished = 0
        var nextWaiter = 0
        var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]

        /// Removes and returns the waiters whose count is reached.
        mutating func ready() -> [CheckedContinuation<Void, Never>] {
            let ready = waiters.filter { $0.value.count <= finished }
            for id in ready.keys { waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
    }

    /// Opens the checkpointer's own connection to the database at `path`.
    init(path: String, durability: SQLiteDurability, limits: Limits) async throws {
        let thread = DedicatedThread(name: "groomer-sqlckpt")
        self.thread = thread
        self.limits = limits
        do {
            box = try await thread.run {
                // Checkpoints never wait on a lock (they are passive), so no busy timeout is needed.
                ConfinedConnection(try SQLiteConnection(path: path, synchronous: durability.rawValue, busyTimeout: 0))
            }
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Called on the writer's thread after each commit; true when the writer should copy the
    /// log itself now.
    func committed(logPages: Int) -> Bool {
        if logPages >= limits.writerPages { return true }
        let copied = copiedPages.load(ordering: .relaxed)
        // A log shorter than what was copied has started over since.
        let uncopied = logPages >= copied ? logPages - copied : logPages
        if uncopied >= limits.backgroundPages && !queued.exchange(true, ordering: .acquiringAndReleasing) {
            let box = self.box
            thread.submit { [self] in
                queued.store(false, ordering: .releasing)
                checkpoint(on: box.connection)
            }
        }
        return false
    }

    private func checkpoint(on connection: SQLiteConnection) {
        // A failed checkpoint loses nothing: the pages stay in the log and the next one copies them.
        if let result = try? connection.checkpointPassively() {
            copiedPages.store(result.copiedPages, ordering: .relaxed)
        }
        let ready = progress.withLock { progress in
            progress.finished += 1
            return progress.ready()
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `count` checkpoints have finished on the checkpointer's thread, or when the
    /// task is cancelled (for tests).
    func waitForCheckpoints(_ count: Int) async {
        let id = progress.withLock { progress in
            defer { progress.nextWaiter += 1 }
            return progress.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = progress.withLock { progress in
                    progress.waiters[id] = (Task.isCancelled ? 0 : count, continuation)
                    return progress.ready()
                }
                for continuation in ready { continuation.resume() }
            }
        } onCancel: {
            let cancelled = progress.withLock { progress in progress.waiters.removeValue(forKey: id) }
            cancelled?.continuation.resume()
        }
    }

    /// Runs `body` while the checkpointer's thread is held, as a slow disk would hold it (for tests).
    func whileHeld(_ body: () async throws -> Void) async rethrows {
        let release = DispatchSemaphore(value: 0)
        thread.submit { release.wait() }
        defer { release.signal() }
        try await body()
    }

    func stop() {
        thread.stop()
    }
}
