import Foundation

/// Where the store lives, parsed from `GROOMER_DATABASE_URL`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String, durability: SQLiteDurability)
    case postgres(url: String)

    /// `sqlite:PATH` (optionally `?synchronous=full`), `sqlite::memory:`, or `postgres://…`/`postgresql://…`.
    public static func parse(_ url: String) throws(ConfigurationError) -> StoreLocation {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(url: url)
        }
        guard url.hasPrefix("sqlite:") else {
            throw ConfigurationError(source: "GROOMER_DATABASE_URL", key: nil,
                                     problem: "expected sqlite:PATH or postgres://…, got a URL of another scheme")
        }
        var rest = String(url.dropFirst("sqlite:".count))
        if rest.hasPrefix("//") { rest.removeFirst(2) }
        var durability = SQLiteDurability.normal
        if let query = rest.firstIndex(of: "?") {
            let options = rest[rest.index(after: query)...]
            rest = String(rest[..<query])
            for option in options.split(separator: "&") {
                switch option.lowercased() {
                case "synchronous=full": durability = .full
                case "synchronous=normal": durability = .normal
                default:
                    throw ConfigurationError(source: "GROOMER_DATABASE_URL", key: nil,
                                             problem: "unknown SQLite option \(option); known: synchronous=normal|full")
                }
            }
        }
        guard !rest.isEmpty else {
            throw ConfigurationError(source: "GROOMER_DATABASE_URL", key: nil, problem: "sqlite: needs a path")
        }
        return .sqlite(path: rest, durability: durability)
    }

    /// Opens the store and brings its schema up to date.
    public func open() async throws -> any GroomerStore {
        switch self {
        case .sqlite(let path, let durability):
            let store = try await SQLiteStore(path: path, durability: durability)
            try await store.migrate()
            return store
        case .postgres(let url):
            let store = try await PostgresStore(url: url)
            try await store.migrate()
            return store
        }
    }

    /// The location with any password removed, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path, let durability): return "sqlite:\(path) (synchronous=\(durability.rawValue.lowercased()))"
        case .postgres(let url): return Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgres://(unparsable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres://(unparsable URL)"
    }
}
