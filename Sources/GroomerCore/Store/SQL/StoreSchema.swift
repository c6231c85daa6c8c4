import Foundation

/// The schema, one text for both backends: a migration is applied once, in order, inside the
/// transaction that records it in `schema_migrations`. `{int}` and `{id}` become the dialect's
/// integer type and auto-numbered key. Times are epoch milliseconds.
enum StoreSchema {
    private static let migrations: [(version: Int, sql: String)] = [
        (1, """
        CREATE TABLE deliveries (
            hook_id TEXT NOT NULL,
            guid TEXT NOT NULL,
            event TEXT NOT NULL,
            action TEXT,
            repository TEXT,
            issue_number {int},
            sender TEXT,
            installation_id {int},
            received_at {int} NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (hook_id, guid)
        );
        CREATE INDEX deliveries_by_issue ON deliveries (repository, issue_number, received_at);
        CREATE INDEX deliveries_by_time ON deliveries (received_at);

        CREATE TABLE groom_requests (
            repository TEXT NOT NULL,
            issue_number {int} NOT NULL,
            status TEXT NOT NULL,
            first_event_at {int} NOT NULL,
            last_event_at {int} NOT NULL,
            due_at {int} NOT NULL,
            events {int} NOT NULL,
            version {int} NOT NULL,
            forced {int} NOT NULL DEFAULT 0,
            attempts {int} NOT NULL DEFAULT 0,
            last_error TEXT,
            installation_id {int},
            snapshot TEXT,
            updated_at {int} NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );
        CREATE INDEX groom_requests_due ON groom_requests (status, due_at);

        CREATE TABLE label_decisions (
            id {id},
            repository TEXT NOT NULL,
            issue_number {int} NOT NULL,
            label TEXT NOT NULL,
            change TEXT NOT NULL,
            actor TEXT NOT NULL,
            decided_at {int} NOT NULL,
            delivery_guid TEXT
        );
        CREATE INDEX label_decisions_by_issue ON label_decisions (repository, issue_number, label);

        CREATE TABLE webhook_hooks (
            hook_id TEXT PRIMARY KEY,
            first_ping_at {int} NOT NULL,
            last_ping_at {int} NOT NULL
        );
        """),
        (2, """
        CREATE TABLE run_lock (
            name TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            acquired_at {int} NOT NULL,
            heartbeat_at {int} NOT NULL
        );

        CREATE TABLE issue_leases (
            repository TEXT NOT NULL,
            issue_number {int} NOT NULL,
            token TEXT NOT NULL,
            expires_at {int} NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );

        CREATE TABLE runs (
            id {id},
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at {int} NOT NULL,
            finished_at {int},
            result TEXT NOT NULL DEFAULT 'running',
            considered {int} NOT NULL DEFAULT 0,
            groomed {int} NOT NULL DEFAULT 0,
            skipped {int} NOT NULL DEFAULT 0,
            failed {int} NOT NULL DEFAULT 0
        );

        CREATE TABLE groom_results (
            id {id},
            repository TEXT NOT NULL,
            issue_number {int} NOT NULL,
            run_id {int},
            outcome TEXT NOT NULL,
            fingerprint TEXT,
            created_at {int} NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX groom_results_by_issue ON groom_results (repository, issue_number, id);

        CREATE TABLE groomer_labels (
            repository TEXT NOT NULL,
            issue_number {int} NOT NULL,
            label TEXT NOT NULL,
            added_at {int} NOT NULL,
            PRIMARY KEY (repository, issue_number, label)
        );
        """),
        (3, """
        CREATE TABLE label_models (
            repository TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            version TEXT,
            trained_at {int} NOT NULL,
            examples {int} NOT NULL,
            decisions_seen {int} NOT NULL,
            note TEXT,
            model TEXT
        );
        """),
        (4, """
        CREATE TABLE sweep_watermarks (
            repository TEXT PRIMARY KEY,
            updated_since {int} NOT NULL,
            swept_at {int} NOT NULL
        );
        """),
        (5, """
        CREATE INDEX label_decisions_by_time ON label_decisions (decided_at);
        CREATE INDEX groom_results_by_time ON groom_results (created_at);
        """),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// The migrations in `dialect`'s types.
    static func migrations(in dialect: SQLDialect) -> [(version: Int, sql: String)] {
        migrations.map { ($0.version, $0.sql.replacingOccurrences(of: "{id}", with: dialect.serialKey)
                                            .replacingOccurrences(of: "{int}", with: dialect.integerType)) }
    }

    /// Creates or upgrades the schema in one transaction. `serialise` runs first inside it (a
    /// PostgreSQL advisory lock, so replicas that start together migrate one at a time).
    static func migrate(_ db: any SQLConnection, dialect: SQLDialect, serialise: String? = nil) throws(StoreError) {
        try db.transaction { () throws(StoreError) in
            if let serialise { try db.execute(serialise) }
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at \(dialect.integerType) NOT NULL)")
            let applied = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", []).rows.first?.int(0) ?? 0
            guard applied <= currentVersion else {
                throw StoreError(.incompatible, "database schema version \(applied) is newer than this groomer (\(currentVersion))")
            }
            for migration in migrations(in: dialect) where migration.version > applied {
                try db.execute(migration.sql)
                var p = SQLParameters(dialect)
                try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (\(p.bind(.integer(Int64(migration.version)))), \(p.time(Date())))",
                             p.values)
            }
        }
    }

    /// Throws unless the schema is this groomer's (readiness).
    static func checkCurrent(_ db: any SQLConnection) throws(StoreError) {
        let version = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", []).rows.first?.int(0) ?? 0
        guard version == currentVersion else {
            throw StoreError(.incompatible, "schema version \(version), expected \(currentVersion)")
        }
    }
}
