/// The versioned schema of the SQLite backend. A migration is applied once, in order, inside
/// the transaction that records it in `schema_migrations`. Times are epoch milliseconds.
enum SQLiteSchema {
    static let migrations: [(version: Int, sql: String)] = [
        (1, """
        CREATE TABLE deliveries (
            hook_id TEXT NOT NULL,
            guid TEXT NOT NULL,
            event TEXT NOT NULL,
            action TEXT,
            repository TEXT,
            issue_number INTEGER,
            sender TEXT,
            installation_id INTEGER,
            received_at INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (hook_id, guid)
        );
        CREATE INDEX deliveries_by_issue ON deliveries (repository, issue_number, received_at);
        CREATE INDEX deliveries_by_time ON deliveries (received_at);

        CREATE TABLE groom_requests (
            repository TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            status TEXT NOT NULL,
            first_event_at INTEGER NOT NULL,
            last_event_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            events INTEGER NOT NULL,
            version INTEGER NOT NULL,
            forced INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            installation_id INTEGER,
            snapshot TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );
        CREATE INDEX groom_requests_due ON groom_requests (status, due_at);

        CREATE TABLE label_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            repository TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            label TEXT NOT NULL,
            change TEXT NOT NULL,
            actor TEXT NOT NULL,
            decided_at INTEGER NOT NULL,
            delivery_guid TEXT
        );
        CREATE INDEX label_decisions_by_issue ON label_decisions (repository, issue_number, label);

        CREATE TABLE webhook_hooks (
            hook_id TEXT PRIMARY KEY,
            first_ping_at INTEGER NOT NULL,
            last_ping_at INTEGER NOT NULL
        );
        """),
        (2, """
        CREATE TABLE run_lock (
            name TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            acquired_at INTEGER NOT NULL,
            heartbeat_at INTEGER NOT NULL
        );

        CREATE TABLE issue_leases (
            repository TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            token TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            result TEXT NOT NULL DEFAULT 'running',
            considered INTEGER NOT NULL DEFAULT 0,
            groomed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE groom_results (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            repository TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            run_id INTEGER,
            outcome TEXT NOT NULL,
            fingerprint TEXT,
            created_at INTEGER NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX groom_results_by_issue ON groom_results (repository, issue_number, id);

        CREATE TABLE groomer_labels (
            repository TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            label TEXT NOT NULL,
            added_at INTEGER NOT NULL,
            PRIMARY KEY (repository, issue_number, label)
        );
        """),
        (3, """
        CREATE TABLE label_models (
            repository TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            version TEXT,
            trained_at INTEGER NOT NULL,
            examples INTEGER NOT NULL,
            decisions_seen INTEGER NOT NULL,
            note TEXT,
            model TEXT
        );
        """),
        (4, """
        CREATE TABLE sweep_watermarks (
            repository TEXT PRIMARY KEY,
            updated_since INTEGER NOT NULL,
            swept_at INTEGER NOT NULL
        );
        """),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }
}
