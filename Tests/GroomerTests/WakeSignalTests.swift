import Foundation
@testable import GroomerCore
import Testing

/// The scheduler's wake-up: a queued request wakes it only when due before its next
/// look, and no signal is lost while it is awake.
@Suite struct WakeSignalTests {
    /// Starts a wait with a far deadline and returns once the waiter is registered.
    private func startWaiting(_ signal: WakeSignal, nextLook: Date) async -> Task<Void, Never> {
        let waiter = Task { await signal.wait(until: .now + .seconds(3_600), nextLook: nextLook) }
        while !signal.isWaiting { await Task.yield() }
        return waiter
    }

    @Test func aRequestDueAfterTheNextLookLeavesTheSchedulerAsleepOneDueBeforeWakesIt() async {
        let signal = WakeSignal()
        let nextLook = Date(timeIntervalSince1970: 1_000)
        let waiter = await startWaiting(signal, nextLook: nextLook)
        signal.signal(dueAt: nextLook)
        signal.signal(dueAt: nextLook.addingTimeInterval(30))
        #expect(signal.isWaiting, "the next look finds these; no wake-up for them")
        signal.signal(dueAt: nextLook.addingTimeInterval(-0.001))
        await waiter.value
        #expect(!signal.isWaiting)
    }

    @Test func aForcedSignalAlwaysWakes() async {
        let signal = WakeSignal()
        let waiter = await startWaiting(signal, nextLook: .distantPast)
        signal.signal()
        await waiter.value
        #expect(!signal.isWaiting)
    }

    @Test func aSignalWhileAwakeIsKeptForTheNextWaitWhateverItsDueTime() async {
        let signal = WakeSignal()
        // Awake (between looks): even a far-off due time is kept, since the scheduler may
        // have read the store before this request was committed.
        signal.signal(dueAt: .distantFuture)
        await signal.wait(until: .now + .seconds(3_600), nextLook: .distantPast)
        // Kept once only: the next wait sleeps until woken again.
        let waiter = await startWaiting(signal, nextLook: .distantPast)
        signal.signal()
        await waiter.value
    }

    @Test func theDeadlineEndsAWaitWithNoSignal() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        await signal.wait(until: .now + .milliseconds(50), nextLook: .distantFuture)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(!signal.isWaiting)
    }
}
