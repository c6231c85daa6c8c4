import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe by design: `SQLiteStore` confines each to its own
/// `DedicatedThread`, as GRDB confines connections to serial executors.
final class SQLiteConnection: SQLConnection {
    let beginStatement = "BEGIN IMMEDIATE"
    private let handle: OpaquePointer
    private var statements: [StatementKey: OpaquePointer] = [:]
    private var commitObserver: CommitObserver?

    /// A prepared statement's SQL as the cache key. Hashing reads only the length and the first
    /// 64 bytes (statements run on every delivery are over a kilobyte long); equality compares all.
    private struct StatementKey: Hashable {
        var sql: String

        func hash(into hasher: inout Hasher) {
            hasher.combine(sql.utf8.count)
            let hashedPrefix: Void? = sql.utf8.withContiguousStorageIfAvailable { utf8 in
                hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8.prefix(64))))
            }
            if hashedPrefix == nil { sql.utf8.prefix(64).forEach { hasher.combine($0) } }
        }
    }

    /// Opens (creating if needed) the database at `path` (`:memory:` for a private in-memory one).
    init(path: String, synchronous: String, busyTimeout: TimeInterval) throws(StoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(.unavailable, "cannot open SQLite database \(path): \(message)\(Self.directoryHint(path))")
        }
        handle = db
        sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
        sqlite3_extended_result_codes(db, 1)
        do {
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = \(synchronous)")
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            // The first statement is where "file is not a database" shows: say which file.
            throw StoreError(error.kind, "SQLite database \(path): \(error.message)")
        }
    }

    /// Why a file cannot be created, when it is its folder: missing, or not writable by this
    /// user (a bind mount owned by root, in a container that runs as another user).
    static func directoryHint(_ path: String) -> String {
        guard path != ":memory:" else { return "" }
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return " (the folder \(directory) does not exist)"
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            return " (the folder \(directory) is not writable by uid \(getuid()): give that user the folder, or use a named volume)"
        }
        return ""
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Whether the database keeps a write-ahead log (a file does; `:memory:` does not).
    var usesWriteAheadLog: Bool {
        get throws(StoreError) { try query("PRAGMA journal_mode", []).rows.first?.string(0)?.lowercased() == "wal" }
    }

    /// Calls `observer` after each commit with the write-ahead log's length in pages, on the
    /// committing thread. When it returns true, the connection copies the log into the database
    /// file there and then (a passive checkpoint), as SQLite's own automatic checkpoint would.
    ///
    /// This replaces SQLite's automatic checkpoint on this connection.
    func observeCommits(_ observer: @escaping (_ logPages: Int) -> Bool) {
        let box = CommitObserver(observer)
        commitObserver = box
        sqlite3_wal_hook(handle, { context, db, name, pages in
            guard let context else { return SQLITE_OK }
            let observer = Unmanaged<CommitObserver>.fromOpaque(context).takeUnretainedValue()
            if observer.body(Int(pages)) {
                // A busy result means another connection is checkpointing: the log is being copied anyway.
                _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// Keeps the commit observer alive for as long as SQLite may call it.
    private final class CommitObserver {
        let body: (Int) -> Bool
        init(_ body: @escaping (Int) -> Bool) { self.body = body }
    }

    /// Copies as much of the write-ahead log into the database file as it can without waiting
    /// for anyone (SQLite's passive checkpoint). Returns the log's length and how much of it is
    /// now copied, in pages; nil when another connection was checkpointing.
    func checkpointPassively() throws(StoreError) -> (logPages: Int, copiedPages: Int)? {
        var logPages: Int32 = 0, copiedPages: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copiedPages)
        if rc == SQLITE_BUSY { return nil }
        guard rc == SQLITE_OK else { throw lastError(rc) }
        return (Int(logPages), Int(copiedPages))
    }

    /// Whether a transaction is open (SQLite may end one itself after an I/O error or a full disk).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs one or more statements with no parameters.
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw Self.error(rc, message)
        }
    }

    /// Runs a statement and returns its rows; `changes` is the number of rows it modified.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws(StoreError) -> (rows: [SQLRow], changes: Int) {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in parameters.enumerated() {
            try bind(value, at: Int32(index + 1), in: statement)
        }
        var rows: [SQLRow] = []
        let columns = sqlite3_column_count(statement)
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw lastError(rc) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns {
                values.append(Self.column(statement, column))
            }
            rows.append(SQLRow(values: values))
        }
        return (rows, Int(sqlite3_changes(handle)))
    }

    private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let statement = statements[StatementKey(sql: sql)] { return statement }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw lastError(rc) }
        statements[StatementKey(sql: sql)] = statement
        return statement
    }

    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer) throws(StoreError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(statement, index)
        case .integer(let i): rc = sqlite3_bind_int64(statement, index, i)
        case .real(let d): rc = sqlite3_bind_double(statement, index, d)
        case .text(let s): rc = sqlite3_bind_text(statement, index, s, -1, Self.transient)
        }
        guard rc == SQLITE_OK else { throw lastError(rc) }
    }

    private static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_NULL: return .null
        default:
            guard let text = sqlite3_column_text(statement, index) else { return .null }
            return .text(String(cString: text))
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func lastError(_ rc: Int32) -> StoreError {
        Self.error(rc, String(cString: sqlite3_errmsg(handle)))
    }

    private static func error(_ rc: Int32, _ message: String) -> StoreError {
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN,
             SQLITE_NOMEM, SQLITE_PROTOCOL, SQLITE_INTERRUPT:
            return StoreError(.unavailable, "SQLite: \(message)")
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_SCHEMA:
            return StoreError(.incompatible, "SQLite: \(message)")
        default:
            return StoreError(.invalid, "SQLite: \(message)")
        }
    }
}

/// A connection handed between tasks but only ever used by jobs on the one `DedicatedThread`
/// it belongs to (the store's, or the checkpointer's).
final class ConfinedConnection: @unchecked Sendable {  // @unchecked: confined to its owner's thread
    let connection: SQLiteConnection
    init(_ connection: SQLiteConnection) { self.connection = connection }
}
