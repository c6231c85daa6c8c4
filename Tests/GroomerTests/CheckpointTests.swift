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

    static func fileSize(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    @Test func theCheckpointerCopiesTheLogIntoTheDatabaseFile() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("groomer.sqlite").path
        let store = try await SQLiteStore(path: path, durability: .normal, busyTimeout: 5,
                                          checkpoints: .init(backgroundPages: 32, writerPages: 1_000_000))
        try await store.migrate()
        let checkpointer = try #require(store.checkpointer)
        let before = try Self.fileSize(path)

        for (record, effect) in try Self.deliveries(1...6) {
            _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
        }
        await checkpointer.waitForCheckpoints(1)
        #expect(try Self.fileSize(path) > before + 32 * 4_096, "the committed pages reached the database file")
        #expect(try await store.deliveryCount() == 6)
        await store.close()
    }

    /// Below its own limit the writer copies nothing, however long the log grows: commits do
    /// not stop for checkpoints (SQLite's default would copy at 1,000 pages).
    @Test func belowItsLimitTheWriterLeavesTheLogToTheCheckpointer() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("groomer.sqlite").path
        // A checkpointer that never runs, so only the writer could have copied anything.
        let store = try await SQLiteStore(path: path, durability: .normal, busyTimeout: 5,
                                          checkpoints: .init(backgroundPages: 1_000_000, writerPages: 1_000_000))
        try await store.migrate()
        let before = try Self.fileSize(path)

        for (record, effect) in try Self.deliveries(1...80) {
            _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
        }
        #expect(try Self.fileSize(path + "-wal") / 4_096 > 1_000, "past SQLite's own checkpoint threshold")
        #expect(try Self.fileSize(path) == before, "the writer copied nothing")
        #expect(try await store.deliveryCount() == 80)
        await store.close()
    }

    /// A checkpointer held up (a slow disk) holds up no commit, and the log stays bounded: at
    /// its limit the writer copies it and it starts over.
    @Test func aLogTheCheckpointerCannotKeepUpWithStaysBounded() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("groomer.sqlite").path
        let limits = WALCheckpointer.Limits(backgroundPages: 16, writerPages: 128)
        let store = try await SQLiteStore(path: path, durability: .normal, busyTimeout: 5, checkpoints: limits)
        try await store.migrate()
        let checkpointer = try #require(store.checkpointer)
        let pageSize = try await store.withConnection { db in try db.query("PRAGMA page_size", []).rows.first?.int(0) ?? 0 }

        var largestLog = 0, written = 0
        try await checkpointer.whileHeld {
            for (record, effect) in try Self.deliveries(1...60) {
                _ = try await store.ingest(record, effect: effect, coalescing: CoalescingPolicy())
                let log = try Self.fileSize(path + "-wal")
                largestLog = max(largestLog, log)
                written += 1
            }
        }
        #expect(written == 60, "no commit waited for the held checkpointer")
        // One commit may pass the limit before the writer copies the log; none of these is 64 pages.
        let bound = 32 + (limits.writerPages + 64) * (pageSize + 24)
        #expect(largestLog <= bound, "log grew to \(largestLog) bytes, bound \(bound)")
        #expect(try Self.fileSize(path) > 60 * 8 * pageSize, "the writer copied the log into the file")
        #expect(try await store.deliveryCount() == 60)
        for number in [1, 30, 60] {
            #expect(try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: number))?.status == .pending)
        }
        await store.close()
    }
}
