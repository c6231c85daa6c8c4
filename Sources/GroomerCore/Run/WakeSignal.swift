import Foundation
import Synchronization

/// Wakes the scheduler early: when a request is enqueued that falls due before the scheduler
/// would look anyway, or to shut down. A signal sent while the scheduler is awake is kept, so
/// none is lost; one for a request due after its next look is dropped, as that look finds it.
///
/// Signalling takes a lock and nothing else (no task, no store query), because the receiver
/// signals once per queued delivery.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
        /// When the waiting scheduler looks at the store anyway; nil while it is awake.
        var nextLook: Date?
    }

    private let state = Mutex(State())

    /// Whether the scheduler is waiting (for tests: a dropped signal leaves it waiting).
    var isWaiting: Bool { state.withLock { $0.waiter != nil } }

    /// Wakes the waiting scheduler, unless `dueAt` is no earlier than its next look.
    func signal(dueAt: Date? = nil) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let dueAt, let nextLook = state.nextLook, dueAt >= nextLook { return nil }
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            state.nextLook = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns on a signal, or at `deadline`; `nextLook` is that deadline on the groomer's clock,
    /// against which `signal(dueAt:)` compares due times.
    func wait(until deadline: ContinuousClock.Instant, nextLook: Date) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation: Int? = state.withLock { state in
                if state.pending {
                    state.pending = false
                    return nil
                }
                state.generation += 1
                state.waiter = continuation
                state.nextLook = nextLook
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                self?.timeout(generation)
            }
        }
    }

    private func timeout(_ generation: Int) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            state.nextLook = nil
            return waiter
        }
        waiter?.resume()
    }
}
