import Foundation

/// What differs between the two SQL dialects the store speaks; everything else is one text.
struct SQLDialect: Sendable {
    /// Which of the two this is, where a figure can only be had the backend's own way.
    enum Kind: Sendable { case sqlite, postgres }
    let kind: Kind
    /// SQLite's `?NNN` or PostgreSQL's `$NNN`: both bind by number, whatever the order of use.
    let placeholderPrefix: String
    /// The schema's `{int}`: every integer column (times are epoch milliseconds).
    let integerType: String
    /// The schema's `{id}`: an auto-numbered primary key.
    let serialKey: String
    /// Two-argument maximum and minimum: SQLite's scalar `MAX`/`MIN`, PostgreSQL's `GREATEST`/`LEAST`.
    let greatest: String
    let least: String
    /// What PostgreSQL must be told of a parameter used in arithmetic (`::bigint`); SQLite needs nothing.
    let bigintCast: String
    /// The clock lock and lease staleness are judged by, when the database has one all replicas
    /// share (PostgreSQL's); nil: the caller's `now` (SQLite, whose processes share a machine).
    let databaseClock: String?
    /// Whether a delivery's record and its coalescing upsert fit one statement (PostgreSQL's
    /// data-modifying `WITH`), so a groom delivery costs one round trip.
    let recordsAndUpsertsInOneStatement: Bool
    /// What makes the rows a prune deleted reusable at once: PostgreSQL's `VACUUM` (without it the
    /// space waits for autovacuum, and deliveries written meanwhile grow the table); nil for
    /// SQLite, whose freed pages go on its free list as they are deleted.
    let reclaimAfterPrune: String?

    static let sqlite = SQLDialect(kind: .sqlite, placeholderPrefix: "?", integerType: "INTEGER",
                                   serialKey: "INTEGER PRIMARY KEY AUTOINCREMENT", greatest: "MAX", least: "MIN", bigintCast: "", databaseClock: nil,
                                   recordsAndUpsertsInOneStatement: false, reclaimAfterPrune: nil)
    static let postgres = SQLDialect(kind: .postgres, placeholderPrefix: "$", integerType: "BIGINT", serialKey: "BIGSERIAL PRIMARY KEY",
                                     greatest: "GREATEST", least: "LEAST", bigintCast: "::bigint",
                                     databaseClock: "(extract(epoch from clock_timestamp()) * 1000)::bigint",
                                     recordsAndUpsertsInOneStatement: true, reclaimAfterPrune: "VACUUM (ANALYZE) deliveries")
}

/// A statement's parameters as it is written: each `bind` appends a value and answers its
/// placeholder, so the SQL text and the values cannot drift apart.
struct SQLParameters {
    let dialect: SQLDialect
    private(set) var values: [SQLValue] = []

    init(_ dialect: SQLDialect) { self.dialect = dialect }

    mutating func bind(_ value: SQLValue) -> String {
        values.append(value)
        return "\(dialect.placeholderPrefix)\(values.count)"
    }

    /// A number used in arithmetic.
    mutating func number(_ value: Int64) -> String { bind(.integer(value)) + dialect.bigintCast }

    /// A time used in arithmetic.
    mutating func time(_ date: Date) -> String { number(date.epochMilliseconds) }

    /// "Now" for lock and lease staleness: the database's clock where it has one, else `now`.
    mutating func clock(_ now: Date) -> String { dialect.databaseClock ?? time(now) }
}
