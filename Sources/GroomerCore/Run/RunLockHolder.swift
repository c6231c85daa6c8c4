import Foundation
import Logging
import Synchronization

/// The run lock while a run holds it: heartbeating → lost or released.
///
/// The heartbeat refreshes the lock every TTL/3; when the store says the token no longer holds
/// it, the holder turns `lost` and the run stops before its next write. Each refresh is one
/// `beat()` stamped by the injected clock, so a test drives the holder step by step.
final class RunLockHolder: Sendable {
    enum State: Sendable, Equatable { case heartbeating, lost, released }

    let token: String
    private let store: any RunLock
    private let ttl: TimeInterval
    private let clock: any GroomerClock
    private let logger: Logger
    private let state = Mutex(State.heartbeating)

    init(token: String, store: any RunLock, ttl: TimeInterval, clock: any GroomerClock, logger: Logger) {
        self.token = token
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self.logger = logger
    }

    var current: State { state.withLock { $0 } }
    var isHeld: Bool { current == .heartbeating }

    /// Refreshes the lock every TTL/3 until cancelled or lost.
    func heartbeat() async {
        while !Task.isCancelled, isHeld {
            try? await Task.sleep(for: .seconds(ttl / 3))
            guard !Task.isCancelled, isHeld else { return }
            await beat()
        }
    }

    /// One refresh: the lock's heartbeat moves to the clock's now, or, when the store says this
    /// token no longer holds it (another holder took it over as stale), the holder is lost. A
    /// store that cannot answer counts as lost too: the run must not write on a lock it cannot vouch for.
    @discardableResult
    func beat() async -> State {
        guard isHeld else { return current }
        let refreshed = (try? await store.heartbeatRunLock(token: token, now: clock.now())) ?? false
        if !refreshed {
            state.withLock { if $0 == .heartbeating { $0 = .lost } }
            logger.error("run lock lost; the run stops before its next write")
        }
        return current
    }

    /// Deletes the lock row if this token still holds it (the delete is token-checked).
    func release() async {
        state.withLock { $0 = .released }
        do {
            try await store.releaseRunLock(token: token)
        } catch {
            logger.warning("could not release the run lock; it goes stale after its TTL", metadata: ["error": "\(error)"])
        }
    }
}
