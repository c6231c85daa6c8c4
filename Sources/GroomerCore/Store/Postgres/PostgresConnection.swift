import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: `PostgresStore` confines each to its own
/// `DedicatedThread`. A broken connection is reset before its next use, so the store
/// recovers by itself after the server restarts.
final class PostgresConnection: SQLConnection {
    let beginStatement = "BEGIN"
    private var handle: OpaquePointer?
    /// Statements prepared on this connection, by SQL: the server parses and plans each once
    /// rather than on every call. A reconnect forgets them, as the server does.
    private var prepared: [String: String] = [:]
    /// Set when a pipeline could not be closed: the connection is reset before its next use.
    private var needsReset = false

    init(url: String) throws(StoreError) {
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { Self.message(PQerrorMessage($0)) } ?? "out of memory"
            throw StoreError(.unavailable, "cannot connect to PostgreSQL: \(message)")
        }
        try execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Reconnects when the previous statement found the connection broken.
    private func ensureConnected() throws(StoreError) {
        guard let handle else { throw StoreError(.unavailable, "PostgreSQL: no connection") }
        if needsReset || PQstatus(handle) != CONNECTION_OK {
            needsReset = false
            prepared = [:]
            PQreset(handle)
            guard PQstatus(handle) == CONNECTION_OK else {
                throw StoreError(.unavailable, "PostgreSQL: reconnect failed: \(Self.message(PQerrorMessage(handle)))")
            }
            try execute("SET client_min_messages = warning")
        }
    }

    /// Runs statements with no parameters (several may be separated by semicolons).
    func execute(_ sql: String) throws(StoreError) {
        try ensureConnected()
        guard let handle else { throw StoreError(.unavailable, "PostgreSQL: no connection") }
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, handle)
    }

    /// Runs one statement with `$1…$n` parameters, sent as text; returns rows and the affected count.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws(StoreError) -> (rows: [SQLRow], changes: Int) {
        try ensureConnected()
        guard let handle else { throw StoreError(.unavailable, "PostgreSQL: no connection") }
        let name = try preparedName(sql, parameterCount: parameters.count, handle)
        let result = Self.withParameters(parameters) { count, values in PQexecPrepared(handle, name, count, values, nil, nil, 0) }
        defer { PQclear(result) }
        try check(result, handle)
        return Self.read(result)
    }

    /// Runs `statements` as one pipeline (libpq's pipeline mode): sent together, answered
    /// together, one round trip, and one implicit transaction that commits at the pipeline's
    /// sync. If any statement fails the server rolls back all of them, and this throws the
    /// first failure.
    func pipeline(_ statements: [(sql: String, parameters: [SQLValue])]) throws(StoreError) -> [(rows: [SQLRow], changes: Int)] {
        try ensureConnected()
        guard let handle else { throw StoreError(.unavailable, "PostgreSQL: no connection") }
        // Prepared before the pipeline starts: PQprepare waits for its own answer.
        var names: [String] = []
        for statement in statements { names.append(try preparedName(statement.sql, parameterCount: statement.parameters.count, handle)) }
        guard PQenterPipelineMode(handle) == 1 else { throw StoreError(.unavailable, "PostgreSQL: cannot enter pipeline mode") }
        // A pipeline left unfinished (the connection broke mid-answer) leaves the connection unusable: reset it.
        defer { if PQexitPipelineMode(handle) != 1 { needsReset = true } }
        for (statement, name) in zip(statements, names) {
            let sent = Self.withParameters(statement.parameters) { count, values in PQsendQueryPrepared(handle, name, count, values, nil, nil, 0) }
            guard sent == 1 else { throw StoreError(.unavailable, "PostgreSQL: \(Self.message(PQerrorMessage(handle)))") }
        }
        guard PQpipelineSync(handle) == 1 else { throw StoreError(.unavailable, "PostgreSQL: \(Self.message(PQerrorMessage(handle)))") }
        var results: [(rows: [SQLRow], changes: Int)] = []
        results.reserveCapacity(statements.count)
        var failure: StoreError?
        for _ in statements {
            let result = PQgetResult(handle)
            if failure == nil {
                do throws(StoreError) {
                    try check(result, handle)
                    results.append(Self.read(result))
                } catch {
                    failure = error
                }
            }
            PQclear(result)
            guard result != nil else { break }
            // Each statement's results end with a null.
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        // The sync's own result closes the pipeline.
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let failure { throw failure }
        return results
    }

    /// The parameters as libpq's C strings (text format), for the length of `body`.
    private static func withParameters<T>(_ parameters: [SQLValue], _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
        let texts: [String?] = parameters.map { value in
            switch value {
            case .null: return nil
            case .integer(let i): return String(i)
            case .real(let d): return String(d)
            case .text(let s): return s
            }
        }
        var cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in cStrings { free(pointer) } }
        return cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) { values in
                body(Int32(texts.count), texts.isEmpty ? nil : UnsafePointer(values))
            }
        }
    }

    /// A result's rows (every value as text) and the count of rows it changed.
    private static func read(_ result: OpaquePointer?) -> (rows: [SQLRow], changes: Int) {
        var rows: [SQLRow] = []
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? .null : .text(String(cString: PQgetvalue(result, row, column))))
            }
            rows.append(SQLRow(values: values))
        }
        return (rows, Int(String(cString: PQcmdTuples(result))) ?? 0)
    }

    /// The name `sql` is prepared under on this connection, preparing it on first use.
    private func preparedName(_ sql: String, parameterCount: Int, _ handle: OpaquePointer) throws(StoreError) -> String {
        if let name = prepared[sql] { return name }
        let name = "groomer_\(prepared.count + 1)"
        let result = PQprepare(handle, name, sql, Int32(parameterCount), nil)
        defer { PQclear(result) }
        try check(result, handle)
        prepared[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?, _ handle: OpaquePointer) throws(StoreError) {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return }
        let message = Self.message(PQerrorMessage(handle))
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        // Class 08 (connection), 53 (resources), 57 (operator intervention: shutdown), 40 (serialization): retryable.
        if PQstatus(handle) != CONNECTION_OK || ["08", "53", "57", "40"].contains(where: state.hasPrefix) || state.isEmpty {
            throw StoreError(.unavailable, "PostgreSQL: \(message)")
        }
        throw StoreError(.invalid, "PostgreSQL \(state): \(message)")
    }

    private static func message(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown error"
    }
}
