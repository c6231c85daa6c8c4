import Foundation

/// Wakes the scheduler early: when a request is enqueued, or to shut down. A signal sent
/// while nobody waits is kept, so none is lost.
actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation = 0

    func signal() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Returns on a signal, or at `deadline` (never when it is nil).
    func wait(until deadline: ContinuousClock.Instant?) async {
        if pending {
            pending = false
            return
        }
        generation += 1
        let current = generation
        await withCheckedContinuation { continuation in
            waiter = continuation
            if let deadline {
                Task { [weak self] in
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    await self?.timeout(current)
                }
            }
        }
    }

    private func timeout(_ expected: Int) {
        guard generation == expected, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}
