import Foundation

/// What only tests do to a SQLite store: put it in a disk's faults, hold its write lock as
/// another process would, and watch its ingest queue. Imported with `@_spi(Testing)`.
@_spi(Testing)
extension SQLiteStore {
    /// Faults the store can be put in, to show what the receiver does when the disk turns on it.
    public enum Fault: Sendable {
        /// Writes fail as on a read-only file (`PRAGMA query_only`).
        case readOnly
        /// The database may not grow past its present size, as on a full disk (`max_page_count`).
        case full
        case none
    }

    /// Puts the store in `fault` (tests of the receiver's 503: nothing recorded, nothing half-written).
    public func inject(_ fault: Fault) async throws {
        try await withConnection { db in
            switch fault {
            case .readOnly:
                try db.execute("PRAGMA query_only = 1")
            case .full:
                let pages = try db.query("PRAGMA page_count", []).rows.first?.int64(0) ?? 1
                try db.query("PRAGMA max_page_count = \(pages)", [])
            case .none:
                try db.execute("PRAGMA query_only = 0")
                try db.query("PRAGMA max_page_count = 4294967294", [])
            }
        }
    }

    /// How many ingests wait for the store's thread (for tests that build a batch).
    public var queuedIngests: Int { ingests.count }

    /// Holds the database's write lock while `body` runs, as another process's long transaction would.
    public func holdWriteLock(_ body: () async throws -> Void) async throws {
        try await withConnection { db in try db.execute("BEGIN EXCLUSIVE") }
        do {
            try await body()
        } catch {
            try? await withConnection { db in try db.execute("ROLLBACK") }
            throw error
        }
        try await withConnection { db in try db.execute("ROLLBACK") }
    }
}
