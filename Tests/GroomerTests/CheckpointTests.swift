import Foundation
@testable import GroomerCore
import Testing

/// SQLite's write-ahead log is copied into the database file by the store's checkpointer, on a
/// connection and thread of its own, so commits never wait for it; a log the checkpointer cannot
/// keep up with is copied by the writer at its limit and starts over, so it stays bounded.
@Suite(.timeLimit(.minutes(1))) struct CheckpointTests {
    /// Deliveries of `issues.opened` with 60 KB bodies, so each commit writes over a dozen pages.
    static func deliveries(_ numbers: ClosedRange<Int>) throws -> [(DeliveryRecord, DeliveryEffect)] {
        let mapper = EventMapper(botLogin: "groomer-bot")
        return try numbers.map { number in
            let payload = try Fixtures.payload("issues/opened.payload.json") { payload in
                Fixtures.set(&payload, ["issue", "number"], number)
                Fixtures.set(&payload, ["issue", "body"], String(repeating: "\(number % 10) ", count: 30_000))
            }
            let mapped = mapper.map(event: "issues", payload: payload, guid: "checkpoint-\(number)", receivedAt: Date())
            return (DeliveryRecord(hookID: "1", guid: "checkpoint-\(number)", event: "issues", mapped: mapped, receivedAt: Date()),
                    mapped.effect)
        }
    }

    /// Runs `body` with a migrated store on a fresh file that checkpoints at `limits`, and the file's path.
    static func withStore(_ limits: WALCheckpointer.Limits, _ body: (SQLiteStore, String) async throws -> Void) async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("groomer.sqlite").path
        let store = try await SQLiteStore(path: path, durability: .normal, busyTimeout: 5, checkpoints: limits)
        try await store.migrate()
        try await body(store, path)
        await store.close()
    }

    static func fileSize(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    @Test func theCheckpointerCopiesTheLogIntoTheDatabaseFile() async throws {
        try await Self.withStore(.init(backgroundPages: 32, writerPages: 1_000_000)) { store, path in
            let checkpointer = try #require(store.checkpointer)
            let before = try Self.fileSize(path)
            for (record, effect) in try Self.deliveries(1...6) {
                _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
            }
            await checkpointer.waitForCheckpoints(1)
            #expect(try Self.fileSize(path) > before + 32 * 4_096, "the committed pages reached the database file")
            #expect(try await store.deliveryCount() == 6)
        }
    }

    /// Below its own limit the writer copies nothing, however long the log grows: commits do
    /// not stop for checkpoints (SQLite's default would copy at 1,000 pages).
    @Test func belowItsLimitTheWriterLeavesTheLogToTheCheckpointer() async throws {
        // A checkpointer that never runs, so only the writer could have copied anything.
        try await Self.withStore(.init(backgroundPages: 1_000_000, writerPages: 1_000_000)) { store, path in
            let before = try Self.fileSize(path)
            for (record, effect) in try Self.deliveries(1...80) {
                _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
            }
            #expect(try Self.fileSize(path + "-wal") / 4_096 > 1_000, "past SQLite's own checkpoint threshold")
            #expect(try Self.fileSize(path) == before, "the writer copied nothing")
            #expect(try await store.deliveryCount() == 80)
        }
    }

    /// A checkpointer held up (a slow disk) holds up no commit, and the log stays bounded: at
    /// its limit the writer copies it and it starts over.
    @Test func aLogTheCheckpointerCannotKeepUpWithStaysBounded() async throws {
        let limits = WALCheckpointer.Limits(backgroundPages: 16, writerPages: 128)
        try await Self.withStore(limits) { store, path in
            let checkpointer = try #require(store.checkpointer)
            let pageSize = try await store.withConnection { db in try db.query("PRAGMA page_size", []).rows.first?.int(0) ?? 0 }
            var largestLog = 0
            // Every commit here completes while the checkpointer's thread is held (a commit that
            // waited for it would never return, and the suite's time limit would end the test).
            try await checkpointer.whileHeld {
                for (record, effect) in try Self.deliveries(1...60) {
                    _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
                    largestLog = max(largestLog, try Self.fileSize(path + "-wal"))
                }
            }
            // One commit may pass the limit before the writer copies the log; none of these is 64 pages.
            let bound = 32 + (limits.writerPages + 64) * (pageSize + 24)
            #expect(largestLog <= bound, "log grew to \(largestLog) bytes, bound \(bound)")
            #expect(try Self.fileSize(path) > 60 * 8 * pageSize, "the writer copied the log into the file")
            #expect(try await store.deliveryCount() == 60)
            for number in [1, 30, 60] {
                #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number))?.status == .pending)
            }
        }
    }
}
