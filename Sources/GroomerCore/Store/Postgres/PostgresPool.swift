import Foundation

/// A few PostgreSQL connections, each on its own thread; callers wait for a free one.
actor PostgresPool {
    /// A connection and the thread it lives on.
    final class Lane: @unchecked Sendable {  // @unchecked: `connection` is only touched by jobs on `thread`
        let thread: DedicatedThread
        var connection: PostgresConnection?

        init(thread: DedicatedThread) {
            self.thread = thread
        }
    }

    private let url: String
    private var idle: [Lane] = []
    private var waiting: [CheckedContinuation<Lane, Never>] = []

    init(url: String, size: Int) {
        self.url = url
        idle = (0..<max(1, size)).map { Lane(thread: DedicatedThread(name: "groomer-pg-\($0)")) }
    }

    /// Runs `body` with a connection on its lane's thread, connecting first if needed.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let lane = await checkout()
        defer { checkin(lane) }
        let url = self.url
        return try await lane.thread.run {
            if lane.connection == nil { lane.connection = try PostgresConnection(url: url) }
            return try body(lane.connection!)
        }
    }

    private func checkout() async -> Lane {
        if let lane = idle.popLast() { return lane }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func checkin(_ lane: Lane) {
        if waiting.isEmpty {
            idle.append(lane)
        } else {
            waiting.removeFirst().resume(returning: lane)
        }
    }

    func close() {
        for lane in idle {
            let box = lane
            lane.thread.submit { box.connection = nil }
            lane.thread.stop()
        }
        idle.removeAll()
    }
}
