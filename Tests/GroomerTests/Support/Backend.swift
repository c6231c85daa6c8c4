import Foundation
import GroomerCore
import Testing

/// The store backends a suite runs against: SQLite always, PostgreSQL when
/// `GROOMER_TEST_POSTGRES_URL` names a server (`scripts/test` and CI start one).
enum Backend: String, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["GROOMER_TEST_POSTGRES_URL"]

    static var all: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// A fresh, empty, migrated store: a new SQLite file in `directory`, or a new PostgreSQL database.
    func makeStore(in directory: URL) async throws -> any GroomerStore {
        let store: any GroomerStore
        switch self {
        case .sqlite:
            store = try await SQLiteStore(path: directory.appendingPathComponent("groomer.sqlite").path)
        case .postgres:
            store = try await PostgresStore(url: try Self.freshDatabase())
        }
        try await store.migrate()
        return store
    }

    /// The server the tests that stop and start PostgreSQL use: never the one every other suite
    /// shares while they run.
    static let restartablePostgresURL = ProcessInfo.processInfo.environment["GROOMER_TEST_POSTGRES_RESTARTABLE_URL"]

    /// The URL of a new, empty PostgreSQL database on the test server (or on `server`).
    static func freshDatabase(on server: String? = postgresURL) throws -> String {
        guard let url = server, let base = URLComponents(string: url) else { throw ProcessFailure(message: "no test PostgreSQL") }
        let name = "groomer_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let status = try psql(url, "CREATE DATABASE \(name)")
        guard status == 0 else { throw ProcessFailure(message: "CREATE DATABASE failed") }
        var components = base
        components.path = "/\(name)"
        return components.string!
    }

    @discardableResult
    static func psql(_ url: String, _ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-qc", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
