/// The versioned schema of the PostgreSQL backend: the same tables and versions as SQLite's,
/// in PostgreSQL's types. Times are epoch milliseconds.
enum PostgresSchema {
    static let migrations: [(version: Int, sql: String)] = [
        (1, """
        CREATE TABLE deliveries (
            hook_id TEXT NOT NULL,
            guid TEXT NOT NULL,
            event TEXT NOT NULL,
            action TEXT,
            repository TEXT,
            issue_number BIGINT,
            sender TEXT,
            installation_id BIGINT,
            received_at BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (hook_id, guid)
        );
        CREATE INDEX deliveries_by_issue ON deliveries (repository, issue_number, received_at);
        CREATE INDEX deliveries_by_time ON deliveries (received_at);

        CREATE TABLE groom_requests (
            repository TEXT NOT NULL,
            issue_number BIGINT NOT NULL,
            status TEXT NOT NULL,
            first_event_at BIGINT NOT NULL,
            last_event_at BIGINT NOT NULL,
            due_at BIGINT NOT NULL,
            events BIGINT NOT NULL,
            version BIGINT NOT NULL,
            forced INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            installation_id BIGINT,
            snapshot TEXT,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );
        CREATE INDEX groom_requests_due ON groom_requests (status, due_at);

        CREATE TABLE label_decisions (
            id BIGSERIAL PRIMARY KEY,
            repository TEXT NOT NULL,
            issue_number BIGINT NOT NULL,
            label TEXT NOT NULL,
            change TEXT NOT NULL,
            actor TEXT NOT NULL,
            decided_at BIGINT NOT NULL,
            delivery_guid TEXT
        );
        CREATE INDEX label_decisions_by_issue ON label_decisions (repository, issue_number, label);

        CREATE TABLE webhook_hooks (
            hook_id TEXT PRIMARY KEY,
            first_ping_at BIGINT NOT NULL,
            last_ping_at BIGINT NOT NULL
        );
        """),
        (2, """
        CREATE TABLE run_lock (
            name TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            acquired_at BIGINT NOT NULL,
            heartbeat_at BIGINT NOT NULL
        );

        CREATE TABLE issue_leases (
            repository TEXT NOT NULL,
            issue_number BIGINT NOT NULL,
            token TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            PRIMARY KEY (repository, issue_number)
        );

        CREATE TABLE runs (
            id BIGSERIAL PRIMARY KEY,
            token TEXT NOT NULL,
            holder TEXT NOT NULL,
            trigger TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            finished_at BIGINT,
            result TEXT NOT NULL DEFAULT 'running',
            considered INTEGER NOT NULL DEFAULT 0,
            groomed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE groom_results (
            id BIGSERIAL PRIMARY KEY,
            repository TEXT NOT NULL,
            issue_number BIGINT NOT NULL,
            run_id BIGINT,
            outcome TEXT NOT NULL,
            fingerprint TEXT,
            created_at BIGINT NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX groom_results_by_issue ON groom_results (repository, issue_number, id);

        CREATE TABLE groomer_labels (
            repository TEXT NOT NULL,
            issue_number BIGINT NOT NULL,
            label TEXT NOT NULL,
            added_at BIGINT NOT NULL,
            PRIMARY KEY (repository, issue_number, label)
        );
        """),
        (3, """
        CREATE TABLE label_models (
            repository TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            version TEXT,
            trained_at BIGINT NOT NULL,
            examples BIGINT NOT NULL,
            decisions_seen BIGINT NOT NULL,
            note TEXT,
            model TEXT
        );
        """),
        (4, """
        CREATE TABLE sweep_watermarks (
            repository TEXT PRIMARY KEY,
            updated_since BIGINT NOT NULL,
            swept_at BIGINT NOT NULL
        );
        """),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// The database's own clock in epoch milliseconds: lock and lease staleness are judged by it,
    /// so replicas with skewed clocks agree.
    static let now = "(extract(epoch from clock_timestamp()) * 1000)::bigint"
}
