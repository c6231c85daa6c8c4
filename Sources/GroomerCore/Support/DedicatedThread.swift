import Foundation

/// One OS thread that runs submitted jobs in order.
///
/// Blocking C calls (SQLite, libpq, libcurl) run here and never on the Swift cooperative
/// pool, which has only as many threads as cores. Jobs run serially, so state confined to
/// the thread needs no lock.
public final class DedicatedThread: @unchecked Sendable {  // @unchecked: `jobs` and `stopping` are guarded by `condition`
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    /// - Parameter name: the thread's name, as `top -H`, `perf` and debuggers show it
    ///   (the kernel keeps its first 15 bytes).
    public init(name: String) {
        let thread = Thread { [self] in
            Self.nameCurrentThread(name)
            self.loop()
        }
        thread.name = name
        thread.start()
    }

    /// Gives the calling thread `name` in the kernel too (its `comm`), which Foundation's
    /// `Thread.name` does not set on Linux: without it a new thread keeps the name of the thread
    /// that made it. Best effort: a system without `/proc/thread-self` keeps that name.
    static func nameCurrentThread(_ name: String) {
        let file = open("/proc/thread-self/comm", O_WRONLY)
        guard file >= 0 else { return }
        defer { close(file) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Queues `job` without waiting for it.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread finish the queued jobs and exit.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job() }
        }
    }
}
