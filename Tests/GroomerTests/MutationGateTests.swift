import Foundation
@testable import GroomerCore
import Synchronization
import Testing

/// GitHub's guidance for writes, as the gate keeps it: one at a time per installation, spaced.
@Suite struct MutationGateTests {
    /// What the bodies saw: how many ran at once per identity, and each one's start and end.
    final class Trace: Sendable {
        struct State {
            var running: [String: Int] = [:]
            var mostAtOnce: [String: Int] = [:]
            var spans: [String: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)]] = [:]
        }

        let state = Mutex(State())

        func run(_ identity: String, _ body: () async throws -> Void) async rethrows {
            let start = ContinuousClock.now
            state.withLock { state in
                state.running[identity, default: 0] += 1
                state.mostAtOnce[identity] = max(state.mostAtOnce[identity] ?? 0, state.running[identity]!)
            }
            defer {
                state.withLock { state in
                    state.running[identity]! -= 1
                    state.spans[identity, default: []].append((start, ContinuousClock.now))
                }
            }
            try await body()
        }
    }

    @Test func writesOfOneInstallationNeverOverlapAndEachStartsASpacingAfterThePreviousEnded() async throws {
        let gate = MutationGate(spacing: .milliseconds(40))
        let trace = Trace()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask { try await gate.run(for: "installation:1") { await trace.run("installation:1") { await Task.yield() } } }
            }
            try await group.waitForAll()
        }
        let spans = trace.state.withLock { $0.spans["installation:1"] ?? [] }.sorted { $0.start < $1.start }
        #expect(spans.count == 6)
        #expect(trace.state.withLock { $0.mostAtOnce["installation:1"] } == 1)
        for (previous, next) in zip(spans, spans.dropFirst()) {
            #expect(next.start - previous.end >= .milliseconds(40))
        }
    }

    @Test func aWriteThatThrowsReleasesTheGate() async throws {
        struct Refused: Error {}
        let gate = MutationGate(spacing: .zero)
        await #expect(throws: Refused.self) { try await gate.run(for: "token") { throw Refused() } }
        #expect(try await gate.run(for: "token") { 42 } == 42)
    }

    @Test func twoInstallationsWriteAtTheSameTime() async throws {
        let gate = MutationGate(spacing: .seconds(5))
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        // The first write finishes only once the other installation's write has started: a gate
        // that serialised them would leave this waiting for ever, so the deadline fails it instead.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await gate.run(for: "installation:1") {
                    for await _ in started { return }
                }
            }
            group.addTask { try await gate.run(for: "installation:2") { _ = starting.yield() } }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw CancellationError()
            }
            try await group.next()
            try await group.next()
            group.cancelAll()
        }
    }

    @Test func noMoreThanTheBudgetOfWritesStartWithinTheWindow() async throws {
        let gate = MutationGate(spacing: .zero, budget: 3, window: .milliseconds(300))
        var starts: [ContinuousClock.Instant] = []
        for _ in 0..<7 {
            starts.append(try await gate.run(for: "installation:1") { ContinuousClock.now })
        }
        for index in 3..<starts.count {
            #expect(starts[index] - starts[index - 3] >= .milliseconds(300), "write \(index + 1) came within the window of three others")
        }
    }

    @Test func anInstallationOutOfBudgetDoesNotHoldUpAnother() async throws {
        let gate = MutationGate(spacing: .zero, budget: 2, window: .seconds(30))
        let first = try await gate.run(for: "installation:1") { ContinuousClock.now }
        _ = try await gate.run(for: "installation:1") { () }
        // Installation 1 may write again only 30 s after its first write; installation 2 at once.
        let other = try await gate.run(for: "installation:2") { ContinuousClock.now }
        #expect(other - first < .seconds(30))
    }

    @Test func aWriteCancelledWhileWaitingForTheBudgetIsNotMade() async throws {
        let gate = MutationGate(spacing: .zero, budget: 1, window: .seconds(600))
        _ = try await gate.run(for: "token") { () }
        let made = Mutex(false)
        let second = Task { try await gate.run(for: "token") { made.withLock { $0 = true } } }
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        #expect(made.withLock { $0 } == false)
    }
}
