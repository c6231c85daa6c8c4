import Foundation

/// The sweep store on either backend, one set of statements (`$n` placeholders, portable SQL).
struct SQLSweepStore: SweepStore {
    let connection: SQLExecutor
    /// The ingest's statements in the store's dialect: a decision the sweep finds is written as the receiver writes one.
    let statements: IngestStatements
    static let leaseName = "sweep"

    func sweepWatermark(_ repository: String) async throws -> Date? {
        try await connection { db in
            try db.query("SELECT updated_since FROM sweep_watermarks WHERE repository = $1", [.text(repository)])
                .rows.first?.int64(0).map(Date.init(epochMilliseconds:))
        }
    }

    func setSweepWatermark(_ repository: String, to watermark: Date, now: Date) async throws {
        try await connection { db in
            _ = try db.query("""
                INSERT INTO sweep_watermarks (repository, updated_since, swept_at) VALUES ($1, $2, $3)
                ON CONFLICT (repository) DO UPDATE SET updated_since = excluded.updated_since, swept_at = excluded.swept_at
                """, [.text(repository), .integer(watermark.epochMilliseconds), .integer(now.epochMilliseconds)])
        }
    }

    func enqueueSwept(_ key: IssueKey, installationID: Int64?, snapshot: IssueSnapshot, dueAt: Date, now: Date) async throws -> Bool {
        let parameters: [SQLValue] = [.text(key.repository), .integer(Int64(key.number)), .integer(now.epochMilliseconds),
                                      .integer(dueAt.epochMilliseconds), .optional(installationID), .text(snapshot.storedJSON)]
        return try await connection { db in
            try db.query("""
                INSERT INTO groom_requests (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                            events, version, forced, attempts, installation_id, snapshot, updated_at)
                VALUES ($1, $2, 'pending', $3, $3, $4, 1, 1, 0, 0, $5, $6, $3)
                ON CONFLICT (repository, issue_number) DO UPDATE SET
                    status = 'pending', first_event_at = excluded.first_event_at, last_event_at = excluded.last_event_at,
                    due_at = excluded.due_at, events = 1, forced = 0, attempts = 0, last_error = NULL,
                    version = groom_requests.version + 1,
                    installation_id = COALESCE(excluded.installation_id, groom_requests.installation_id),
                    snapshot = excluded.snapshot, updated_at = excluded.updated_at
                WHERE groom_requests.status <> 'pending'
                """, parameters).changes == 1
        }
    }

    func cancelSwept(_ key: IssueKey, now: Date) async throws -> Bool {
        try await connection { db in
            try db.query("""
                UPDATE groom_requests SET status = 'cancelled', version = version + 1, updated_at = $1
                WHERE repository = $2 AND issue_number = $3 AND status = 'pending'
                """, [.integer(now.epochMilliseconds), .text(key.repository), .integer(Int64(key.number))]).changes == 1
        }
    }

    func recordSweptDecisions(_ decisions: [LabelDecision]) async throws {
        guard !decisions.isEmpty else { return }
        let statements = self.statements
        try await connection { db in
            try db.transaction { () throws(StoreError) in
                for decision in decisions { try statements.recordLabelDecision(decision, on: db) }
            }
        }
    }

    func acquireSweepLease(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> Bool {
        try await connection { db in
            try ModelStatements.acquireLease(named: Self.leaseName, token: token, holder: holder, ttl: ttl, now: now, in: db)
        }
    }

    func releaseSweepLease(token: String) async throws {
        try await connection { db in try ModelStatements.releaseLease(named: Self.leaseName, token: token, in: db) }
    }

    func recentHooks(since: Date) async throws -> [RecentHook] {
        try await connection { db in
            try db.query("""
                SELECT hook_id, MAX(repository) FROM deliveries WHERE received_at >= $1 AND hook_id <> ''
                GROUP BY hook_id ORDER BY hook_id
                """, [.integer(since.epochMilliseconds)]).rows.map { RecentHook(hookID: $0.string(0) ?? "", repository: $0.string(1)) }
        }
    }
}
