import Foundation

/// GitHub's secondary-limit guidance: mutating requests one at a time per
/// installation, each starting at least `spacing` after the previous one finished.
actor MutationGate {
    private let spacing: Duration
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var lastFinish: [String: ContinuousClock.Instant] = [:]

    init(spacing: Duration = .seconds(1)) {
        self.spacing = spacing
    }

    /// Runs `body` as the only mutation of `identity`, at least `spacing` after the previous one ended.
    func run<T: Sendable>(for identity: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(identity)
        defer {  // released even when the write throws
            lastFinish[identity] = .now
            release(identity)
        }
        if let last = lastFinish[identity] {
            let next = last + spacing
            if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
        }
        return try await body()
    }

    private func acquire(_ identity: String) async {
        if busy.contains(identity) {
            await withCheckedContinuation { waiting[identity, default: []].append($0) }
        } else {
            busy.insert(identity)
        }
    }

    private func release(_ identity: String) {
        if var queue = waiting[identity], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[identity] = queue
            next.resume()  // ownership passes to the next waiter; `busy` stays set
        } else {
            busy.remove(identity)
        }
    }
}
