import Foundation

/// GitHub's secondary-limit guidance: mutating requests one at a time per
/// installation, each starting at least `spacing` after the previous one finished, and no more
/// than `budget` of them starting within any `window` (GitHub documents 80 content-creating
/// requests a minute, which the spacing keeps, and 500 an hour, which the budget keeps).
actor MutationGate {
    private let spacing: Duration
    /// Nil: no budget (an Enterprise Server with its limits off).
    private let budget: Int?
    private let window: Duration
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var lastFinish: [String: ContinuousClock.Instant] = [:]
    /// The start of each identity's latest writes, at most `budget` of them, oldest first.
    private var starts: [String: [ContinuousClock.Instant]] = [:]

    init(spacing: Duration = .seconds(1), budget: Int? = GitHubRESTClient.gitHubWritesPerHour, window: Duration = .seconds(3_600)) {
        self.spacing = spacing
        self.budget = budget.flatMap { $0 > 0 ? $0 : nil }
        self.window = window
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
        if let budget {
            var recent = starts[identity] ?? []
            if recent.count == budget {
                // The budget is spent: wait until the oldest of the window's writes leaves it. A
                // cancelled wait (shutdown) throws rather than writing past the budget.
                let next = recent.removeFirst() + window
                if next > .now { try await Task.sleep(until: next, clock: .continuous) }
            }
            recent.append(.now)
            starts[identity] = recent
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
