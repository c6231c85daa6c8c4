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
        if PQstatus(handle) != CONNECTION_OK {
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
        let name = try preparedName(sql, parameterCount: texts.count, handle)
        let result: OpaquePointer? = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) { values in
                PQexecPrepared(handle, name, Int32(texts.count), texts.isEmpty ? nil : values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        try check(result, handle)
        var rows: [SQLRow] = []
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(.null)
                } else {
                    values.append(.text(String(cString: PQgetvalue(result, row, column))))
                }
            }
            rows.append(SQLRow(values: values))
        }
        let changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        return (rows, changes)
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
