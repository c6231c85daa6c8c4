import Foundation
@testable import GroomerCore
import Logging
import Testing

/// The run lock's holder, driven one heartbeat at a time on a manual clock over a real SQLite store.
@Suite struct RunLockHolderTests {
    static func withStore(_ body: (SQLiteStore, ManualClock) async throws -> Void) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore(path: directory.appendingPathComponent("groomer.sqlite").path)
        try await store.migrate()
        try await body(store, ManualClock())
        await store.close()
    }

    static var quiet: Logger {
        var logger = Logger(label: "lock-test")
        logger.logLevel = .critical
        return logger
    }

    @Test func aHolderWhoseLockWentStaleAndWasTakenOverIsLostAndItsReleaseLeavesTheNewHoldersLock() async throws {
        try await Self.withStore { store, clock in
            #expect(try await store.acquireRunLock(token: "a", holder: "replica-a", ttl: 90, now: clock.now()) == .acquired)
            let holder = RunLockHolder(token: "a", store: store, ttl: 90, clock: clock, logger: Self.quiet)
            clock.advance(by: 30)
            #expect(await holder.beat() == .heartbeating)
            // Within the TTL of that heartbeat nobody may take it…
            clock.advance(by: 89)
            if case .acquired = try await store.acquireRunLock(token: "b", holder: "replica-b", ttl: 90, now: clock.now()) {
                Issue.record("a fresh lock was taken over")
            }
            // …after it, another replica takes the stale lock, and the next beat finds it gone.
            clock.advance(by: 2)
            #expect(try await store.acquireRunLock(token: "b", holder: "replica-b", ttl: 90, now: clock.now()) == .acquired)
            #expect(await holder.beat() == .lost)
            #expect(!holder.isHeld)
            #expect(await holder.beat() == .lost, "lost stays lost")
            await holder.release()
            #expect(holder.current == .released)
            #expect(try await store.runLockHolder() == "replica-b", "the release is token-checked")
        }
    }

    @Test func aReleasedHolderNoLongerBeatsAndItsLockIsGone() async throws {
        try await Self.withStore { (store: SQLiteStore, clock: ManualClock) async throws in
            #expect(try await store.acquireRunLock(token: "a", holder: "replica-a", ttl: 90, now: clock.now()) == .acquired)
            let holder = RunLockHolder(token: "a", store: store, ttl: 90, clock: clock, logger: Self.quiet)
            await holder.release()
            #expect(try await store.runLockHolder() == nil)
            #expect(await holder.beat() == .released)
            #expect(try await store.acquireRunLock(token: "c", holder: "replica-c", ttl: 90, now: clock.now()) == .acquired)
        }
    }
}
