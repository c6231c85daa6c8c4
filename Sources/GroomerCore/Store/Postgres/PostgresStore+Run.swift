import Foundation

/// The run's statements on PostgreSQL. The lock and the leases are judged by the
/// database's clock (`PostgresSchema.now`); the caller's `now` only stamps the audit.
extension PostgresStore {
    private static let now = PostgresSchema.now

    public func acquireRunLock(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> LockAttempt {
        try await withConnection { db in
            let taken = try db.query("""
                INSERT INTO run_lock AS l (name, token, holder, acquired_at, heartbeat_at)
                VALUES ('groomer', $1, $2, \(Self.now), \(Self.now))
                ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                    acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at
                WHERE l.heartbeat_at < \(Self.now) - $3::bigint
                RETURNING token
                """, [.text(token), .text(holder), .integer(Int64(ttl * 1000))]).rows
            if taken.first?.string(0) == token { return .acquired }
            let row = try db.query("SELECT holder, acquired_at FROM run_lock WHERE name = 'groomer'").rows.first
            return .busy(holder: row?.string(0) ?? "unknown", since: Date(epochMilliseconds: row?.int64(1) ?? now.epochMilliseconds))
        }
    }

    public func heartbeatRunLock(token: String, now: Date) async throws -> Bool {
        try await withConnection { db in
            try db.query("UPDATE run_lock SET heartbeat_at = \(Self.now) WHERE name = 'groomer' AND token = $1", [.text(token)]).changes == 1
        }
    }

    public func releaseRunLock(token: String) async throws {
        try await withConnection { db in _ = try db.query("DELETE FROM run_lock WHERE name = 'groomer' AND token = $1", [.text(token)]) }
    }

    public func nextDueTime() async throws -> Date? {
        try await withConnection { db in
            try db.query("SELECT MIN(due_at) FROM groom_requests WHERE status = 'pending'").rows.first?.int64(0).map(Date.init(epochMilliseconds:))
        }
    }

    public func dueRequests(now: Date, limit: Int) async throws -> [GroomRequest] {
        try await withConnection { db in
            try db.query("""
                SELECT \(StoreRows.requestColumns) FROM groom_requests r
                WHERE status = 'pending' AND due_at <= $1
                  AND NOT EXISTS (SELECT 1 FROM issue_leases l WHERE l.repository = r.repository
                                  AND l.issue_number = r.issue_number AND l.expires_at > \(Self.now))
                ORDER BY due_at, repository, issue_number LIMIT $2
                """, [.integer(now.epochMilliseconds), .integer(Int64(limit))]).rows.map(StoreRows.request)
        }
    }

    public func leaseIssue(_ key: IssueKey, token: String, ttl: TimeInterval, now: Date) async throws -> Bool {
        try await withConnection { db in
            try db.query("""
                INSERT INTO issue_leases AS l (repository, issue_number, token, expires_at) VALUES ($1, $2, $3, \(Self.now) + $4::bigint)
                ON CONFLICT (repository, issue_number) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
                WHERE l.expires_at <= \(Self.now)
                RETURNING token
                """, [.text(key.repository), .integer(Int64(key.number)), .text(token), .integer(Int64(ttl * 1000))]).rows.first?.string(0) == token
        }
    }

    public func releaseIssueLease(_ key: IssueKey, token: String) async throws {
        try await withConnection { db in
            _ = try db.query("DELETE FROM issue_leases WHERE repository = $1 AND issue_number = $2 AND token = $3",
                             [.text(key.repository), .integer(Int64(key.number)), .text(token)])
        }
    }

    public func completeRequest(_ key: IssueKey, version: Int64, completion: RequestCompletion, claimedAt: Date,
                                coalescing: CoalescingPolicy, now: Date) async throws {
        let (status, error, retryAt): (String, String?, Int64?)
        switch completion {
        case .done: (status, error, retryAt) = ("done", nil, nil)
        case .retry(let message, let at): (status, error, retryAt) = ("pending", message, at.epochMilliseconds)
        case .giveUp(let message): (status, error, retryAt) = ("failed", message, nil)
        }
        try await withConnection { db in
            _ = try db.query("""
                UPDATE groom_requests SET
                    status = CASE WHEN version = $1 THEN $2 WHEN status = 'pending' THEN 'pending' ELSE status END,
                    attempts = CASE WHEN version = $1 THEN (CASE WHEN $2 = 'done' THEN 0 ELSE attempts + 1 END) ELSE 0 END,
                    last_error = CASE WHEN version = $1 THEN $3 ELSE last_error END,
                    forced = CASE WHEN version = $1 THEN 0 ELSE forced END,
                    first_event_at = CASE WHEN version = $1 THEN first_event_at ELSE GREATEST(first_event_at, $5::bigint) END,
                    due_at = CASE WHEN version = $1 THEN COALESCE($4::bigint, due_at)
                                  ELSE LEAST(last_event_at + $6::bigint, GREATEST(first_event_at, $5::bigint) + $7::bigint) END,
                    updated_at = $8
                WHERE repository = $9 AND issue_number = $10
                """, [.integer(version), .text(status), .optional(error), .optional(retryAt), .integer(claimedAt.epochMilliseconds),
                      .integer(coalescing.quietMilliseconds), .integer(coalescing.maxWaitMilliseconds), .integer(now.epochMilliseconds),
                      .text(key.repository), .integer(Int64(key.number))])
        }
    }

    public func enqueueForced(_ key: IssueKey, installationID: Int64?, now: Date) async throws -> GroomRequest {
        try await withConnection { db in
            let rows = try db.query("""
                INSERT INTO groom_requests AS r (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                                 events, version, forced, attempts, installation_id, updated_at)
                VALUES ($1, $2, 'pending', $3, $3, $3, 1, 1, 1, 0, $4, $3)
                ON CONFLICT (repository, issue_number) DO UPDATE SET
                    first_event_at = CASE WHEN r.status = 'pending' THEN r.first_event_at ELSE excluded.first_event_at END,
                    last_event_at = excluded.last_event_at, due_at = excluded.due_at,
                    events = CASE WHEN r.status = 'pending' THEN r.events + 1 ELSE 1 END,
                    attempts = 0, last_error = NULL, forced = 1, status = 'pending', version = r.version + 1,
                    installation_id = COALESCE(excluded.installation_id, r.installation_id), updated_at = excluded.updated_at
                RETURNING \(StoreRows.requestColumns)
                """, [.text(key.repository), .integer(Int64(key.number)), .integer(now.epochMilliseconds), .optional(installationID)]).rows
            guard let row = rows.first else { throw StoreError(.invalid, "forced request was not written") }
            return StoreRows.request(row)
        }
    }

    public func startRun(token: String, holder: String, trigger: String, now: Date) async throws -> Int64 {
        try await withConnection { db in
            try db.query("INSERT INTO runs (token, holder, trigger, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
                         [.text(token), .text(holder), .text(trigger), .integer(now.epochMilliseconds)]).rows.first?.int64(0) ?? 0
        }
    }

    public func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws {
        try await withConnection { db in
            _ = try db.query("""
                UPDATE runs SET finished_at = $1, result = $2, considered = $3, groomed = $4, skipped = $5, failed = $6 WHERE id = $7
                """, [.integer(now.epochMilliseconds), .text(summary.result), .integer(Int64(summary.considered)),
                      .integer(Int64(summary.groomed)), .integer(Int64(summary.skipped)), .integer(Int64(summary.failed)), .integer(id)])
        }
    }

    public func recordGroom(_ record: GroomRecord) async throws {
        let json = CompactJSON.string(record)
        try await withConnection { db in
            _ = try db.query("""
                INSERT INTO groom_results (repository, issue_number, run_id, outcome, fingerprint, created_at, record)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [.text(record.key.repository), .integer(Int64(record.key.number)), .optional(record.runID),
                      .text(record.outcome.rawValue), .optional(record.fingerprint), .integer(record.createdAt.epochMilliseconds), .text(json)])
        }
    }

    public func lastFingerprint(_ key: IssueKey) async throws -> String? {
        try await withConnection { db in
            try db.query("""
                SELECT fingerprint FROM groom_results WHERE repository = $1 AND issue_number = $2 AND fingerprint IS NOT NULL
                  AND outcome IN ('applied', 'dry_run', 'no_change', 'unchanged')
                ORDER BY id DESC LIMIT 1
                """, [.text(key.repository), .integer(Int64(key.number))]).rows.first?.string(0)
        }
    }

    public func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord] {
        try await withConnection { db in
            try db.query("SELECT record FROM groom_results WHERE repository = $1 AND issue_number = $2 ORDER BY id DESC LIMIT $3",
                         [.text(key.repository), .integer(Int64(key.number)), .integer(Int64(limit))]).rows.compactMap(StoreRows.groomRecord)
        }
    }

    public func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String> {
        try await withConnection { db in
            Set(try db.query("SELECT label FROM groomer_labels WHERE repository = $1 AND issue_number = $2",
                             [.text(key.repository), .integer(Int64(key.number))]).rows.compactMap { $0.string(0) })
        }
    }

    public func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws {
        try await withConnection { db in
            try db.transaction { () throws(StoreError) in
                for label in added {
                    try db.query("""
                        INSERT INTO groomer_labels (repository, issue_number, label, added_at) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (repository, issue_number, label) DO UPDATE SET added_at = excluded.added_at
                        """, [.text(key.repository), .integer(Int64(key.number)), .text(label), .integer(now.epochMilliseconds)])
                }
                for label in removed {
                    try db.query("DELETE FROM groomer_labels WHERE repository = $1 AND issue_number = $2 AND label = $3",
                                 [.text(key.repository), .integer(Int64(key.number)), .text(label)])
                }
            }
        }
    }

    public func runs(limit: Int, before: Int64?) async throws -> [RunRecord] {
        try await withConnection { db in
            try db.query("""
                SELECT \(StoreRows.runColumns) FROM runs WHERE id < $1 ORDER BY id DESC LIMIT $2
                """, [.integer(before ?? Int64.max), .integer(Int64(limit))]).rows.map(StoreRows.run)
        }
    }

    public func runLockHolder() async throws -> String? {
        try await withConnection { db in try db.query("SELECT holder FROM run_lock WHERE name = 'groomer'").rows.first?.string(0) }
    }

    public func leaseCount() async throws -> Int {
        try await withConnection { db in try db.query("SELECT COUNT(*) FROM issue_leases").rows.first?.int(0) ?? 0 }
    }
}
