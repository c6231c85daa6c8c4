import Foundation

/// The run's statements on SQLite. SQLite has no clock of its own, so staleness is
/// judged by the caller's clock; each statement is atomic under SQLite's write lock.
extension SQLiteStore {
    public func acquireRunLock(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> LockAttempt {
        let at = now.epochMilliseconds
        let staleBefore = at - Int64(ttl * 1000)
        return try await withConnection { db in
            let taken = try db.query("""
                INSERT INTO run_lock (name, token, holder, acquired_at, heartbeat_at) VALUES ('groomer', ?1, ?2, ?3, ?3)
                ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                    acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at
                WHERE run_lock.heartbeat_at < ?4
                RETURNING token
                """, [.text(token), .text(holder), .integer(at), .integer(staleBefore)]).rows
            if taken.first?.string(0) == token { return .acquired }
            let row = try db.query("SELECT holder, acquired_at FROM run_lock WHERE name = 'groomer'").rows.first
            return .busy(holder: row?.string(0) ?? "unknown", since: Date(epochMilliseconds: row?.int64(1) ?? at))
        }
    }

    public func heartbeatRunLock(token: String, now: Date) async throws -> Bool {
        try await withConnection { db in
            try db.query("UPDATE run_lock SET heartbeat_at = ? WHERE name = 'groomer' AND token = ?",
                         [.integer(now.epochMilliseconds), .text(token)]).changes == 1
        }
    }

    public func releaseRunLock(token: String) async throws {
        try await withConnection { db in _ = try db.query("DELETE FROM run_lock WHERE name = 'groomer' AND token = ?", [.text(token)]) }
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
                WHERE status = 'pending' AND due_at <= ?1
                  AND NOT EXISTS (SELECT 1 FROM issue_leases l WHERE l.repository = r.repository
                                  AND l.issue_number = r.issue_number AND l.expires_at > ?1)
                ORDER BY due_at, repository, issue_number LIMIT ?2
                """, [.integer(now.epochMilliseconds), .integer(Int64(limit))]).rows.map(StoreRows.request)
        }
    }

    public func leaseIssue(_ key: IssueKey, token: String, ttl: TimeInterval, now: Date) async throws -> Bool {
        try await withConnection { db in
            let rows = try db.query("""
                INSERT INTO issue_leases (repository, issue_number, token, expires_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (repository, issue_number) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
                WHERE issue_leases.expires_at <= ?5
                RETURNING token
                """, [.text(key.repository), .integer(Int64(key.number)), .text(token),
                      .integer((now + ttl).epochMilliseconds), .integer(now.epochMilliseconds)]).rows
            return rows.first?.string(0) == token
        }
    }

    public func releaseIssueLease(_ key: IssueKey, token: String) async throws {
        try await withConnection { db in
            _ = try db.query("DELETE FROM issue_leases WHERE repository = ? AND issue_number = ? AND token = ?",
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
            // Same version: nothing happened meanwhile, the completion stands. Another version: new
            // events arrived during the groom, so the request stays pending in a window that opened
            // when the groom claimed it.
            _ = try db.query("""
                UPDATE groom_requests SET
                    status = CASE WHEN version = ?1 THEN ?2 WHEN status = 'pending' THEN 'pending' ELSE status END,
                    attempts = CASE WHEN version = ?1 THEN (CASE WHEN ?2 = 'done' THEN 0 ELSE attempts + 1 END) ELSE 0 END,
                    last_error = CASE WHEN version = ?1 THEN ?3 ELSE last_error END,
                    forced = CASE WHEN version = ?1 THEN 0 ELSE forced END,
                    first_event_at = CASE WHEN version = ?1 THEN first_event_at ELSE MAX(first_event_at, ?5) END,
                    due_at = CASE WHEN version = ?1 THEN COALESCE(?4, due_at)
                                  ELSE MIN(last_event_at + ?6, MAX(first_event_at, ?5) + ?7) END,
                    updated_at = ?8
                WHERE repository = ?9 AND issue_number = ?10
                """, [.integer(version), .text(status), .optional(error), .optional(retryAt), .integer(claimedAt.epochMilliseconds),
                      .integer(coalescing.quietMilliseconds), .integer(coalescing.maxWaitMilliseconds), .integer(now.epochMilliseconds),
                      .text(key.repository), .integer(Int64(key.number))])
        }
    }

    public func enqueueForced(_ key: IssueKey, installationID: Int64?, now: Date) async throws -> GroomRequest {
        try await withConnection { db in
            let rows = try db.query("""
                INSERT INTO groom_requests (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                            events, version, forced, attempts, installation_id, updated_at)
                VALUES (?1, ?2, 'pending', ?3, ?3, ?3, 1, 1, 1, 0, ?4, ?3)
                ON CONFLICT (repository, issue_number) DO UPDATE SET
                    first_event_at = CASE WHEN status = 'pending' THEN first_event_at ELSE excluded.first_event_at END,
                    last_event_at = excluded.last_event_at, due_at = excluded.due_at,
                    events = CASE WHEN status = 'pending' THEN events + 1 ELSE 1 END,
                    attempts = 0, last_error = NULL, forced = 1, status = 'pending', version = version + 1,
                    installation_id = COALESCE(excluded.installation_id, installation_id), updated_at = excluded.updated_at
                RETURNING \(StoreRows.requestColumns)
                """, [.text(key.repository), .integer(Int64(key.number)), .integer(now.epochMilliseconds), .optional(installationID)]).rows
            guard let row = rows.first else { throw StoreError(.invalid, "forced request was not written") }
            return StoreRows.request(row)
        }
    }

    public func startRun(token: String, holder: String, trigger: String, now: Date) async throws -> Int64 {
        try await withConnection { db in
            try db.query("INSERT INTO runs (token, holder, trigger, started_at) VALUES (?, ?, ?, ?) RETURNING id",
                         [.text(token), .text(holder), .text(trigger), .integer(now.epochMilliseconds)]).rows.first?.int64(0) ?? 0
        }
    }

    public func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws {
        try await withConnection { db in
            _ = try db.query("""
                UPDATE runs SET finished_at = ?, result = ?, considered = ?, groomed = ?, skipped = ?, failed = ? WHERE id = ?
                """, [.integer(now.epochMilliseconds), .text(summary.result), .integer(Int64(summary.considered)),
                      .integer(Int64(summary.groomed)), .integer(Int64(summary.skipped)), .integer(Int64(summary.failed)), .integer(id)])
        }
    }

    public func recordGroom(_ record: GroomRecord) async throws {
        let json = CompactJSON.string(record)
        try await withConnection { db in
            _ = try db.query("""
                INSERT INTO groom_results (repository, issue_number, run_id, outcome, fingerprint, created_at, record)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(record.key.repository), .integer(Int64(record.key.number)), .optional(record.runID),
                      .text(record.outcome.rawValue), .optional(record.fingerprint), .integer(record.createdAt.epochMilliseconds), .text(json)])
        }
    }

    public func lastFingerprint(_ key: IssueKey) async throws -> String? {
        try await withConnection { db in
            try db.query("""
                SELECT fingerprint FROM groom_results WHERE repository = ? AND issue_number = ? AND fingerprint IS NOT NULL
                  AND outcome IN ('applied', 'dry_run', 'no_change', 'unchanged')
                ORDER BY id DESC LIMIT 1
                """, [.text(key.repository), .integer(Int64(key.number))]).rows.first?.string(0)
        }
    }

    public func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord] {
        try await withConnection { db in
            try db.query("SELECT record FROM groom_results WHERE repository = ? AND issue_number = ? ORDER BY id DESC LIMIT ?",
                         [.text(key.repository), .integer(Int64(key.number)), .integer(Int64(limit))]).rows.compactMap(StoreRows.groomRecord)
        }
    }

    public func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String> {
        try await withConnection { db in
            Set(try db.query("SELECT label FROM groomer_labels WHERE repository = ? AND issue_number = ?",
                             [.text(key.repository), .integer(Int64(key.number))]).rows.compactMap { $0.string(0) })
        }
    }

    public func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws {
        try await withConnection { db in
            try db.transaction { () throws(StoreError) in
                for label in added {
                    try db.query("""
                        INSERT INTO groomer_labels (repository, issue_number, label, added_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT DO UPDATE SET added_at = excluded.added_at
                        """, [.text(key.repository), .integer(Int64(key.number)), .text(label), .integer(now.epochMilliseconds)])
                }
                for label in removed {
                    try db.query("DELETE FROM groomer_labels WHERE repository = ? AND issue_number = ? AND label = ?",
                                 [.text(key.repository), .integer(Int64(key.number)), .text(label)])
                }
            }
        }
    }

    public func runs(limit: Int, before: Int64?) async throws -> [RunRecord] {
        try await withConnection { db in
            try db.query("""
                SELECT \(StoreRows.runColumns) FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?
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
