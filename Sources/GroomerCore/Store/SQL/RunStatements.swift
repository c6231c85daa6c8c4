import Foundation

/// The run's statements, one text for both backends. Lock and lease staleness is judged by the
/// dialect's clock (`SQLParameters.clock`): PostgreSQL's own, so replicas with skewed clocks
/// agree; SQLite's caller's, as its processes share one machine. Each statement is atomic.
extension SQLBackedStore {
    public func acquireRunLock(token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> LockAttempt {
        let taken = try await query({ p in
            let at = p.clock(now)
            return """
                INSERT INTO run_lock AS l (name, token, holder, acquired_at, heartbeat_at)
                VALUES ('groomer', \(p.bind(.text(token))), \(p.bind(.text(holder))), \(at), \(at))
                ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                    acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at
                WHERE l.heartbeat_at < \(at) - \(p.number(Int64(ttl * 1000)))
                RETURNING token
                """
        }, { $0.rows.first?.string(0) == token })
        if taken { return .acquired }
        return try await query({ _ in "SELECT holder, acquired_at FROM run_lock WHERE name = 'groomer'" }) { result in
            let row = result.rows.first
            return .busy(holder: row?.string(0) ?? "unknown", since: Date(epochMilliseconds: row?.int64(1) ?? now.epochMilliseconds))
        }
    }

    public func heartbeatRunLock(token: String, now: Date) async throws -> Bool {
        try await query({ p in "UPDATE run_lock SET heartbeat_at = \(p.clock(now)) WHERE name = 'groomer' AND token = \(p.bind(.text(token)))" },
                        { $0.changes == 1 })
    }

    public func releaseRunLock(token: String) async throws {
        try await query({ p in "DELETE FROM run_lock WHERE name = 'groomer' AND token = \(p.bind(.text(token)))" }, { _ in () })
    }

    public func runLockHolder() async throws -> String? {
        try await query({ _ in "SELECT holder FROM run_lock WHERE name = 'groomer'" }, { $0.rows.first?.string(0) })
    }

    public func nextDueTime() async throws -> Date? {
        try await query({ _ in "SELECT MIN(due_at) FROM groom_requests WHERE status = 'pending'" },
                        { $0.rows.first?.int64(0).map(Date.init(epochMilliseconds:)) })
    }

    public func dueRequests(now: Date, limit: Int) async throws -> [GroomRequest] {
        try await query({ p in """
            SELECT \(StoreRows.requestColumns) FROM groom_requests r
            WHERE status = 'pending' AND due_at <= \(p.time(now))
              AND NOT EXISTS (SELECT 1 FROM issue_leases l WHERE l.repository = r.repository
                              AND l.issue_number = r.issue_number AND l.expires_at > \(p.clock(now)))
            ORDER BY due_at, repository, issue_number LIMIT \(p.bind(.integer(Int64(limit))))
            """ }, { $0.rows.map(StoreRows.request) })
    }

    public func leaseIssue(_ key: IssueKey, token: String, ttl: TimeInterval, now: Date) async throws -> Bool {
        try await query({ p in
            let at = p.clock(now)
            return """
                INSERT INTO issue_leases AS l (repository, issue_number, token, expires_at)
                VALUES (\(p.bind(.text(key.repository))), \(p.bind(.integer(Int64(key.number)))), \(p.bind(.text(token))), \(at) + \(p.number(Int64(ttl * 1000))))
                ON CONFLICT (repository, issue_number) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
                WHERE l.expires_at <= \(at)
                RETURNING token
                """
        }, { $0.rows.first?.string(0) == token })
    }

    public func releaseIssueLease(_ key: IssueKey, token: String) async throws {
        try await query({ p in """
            DELETE FROM issue_leases WHERE repository = \(p.bind(.text(key.repository)))
              AND issue_number = \(p.bind(.integer(Int64(key.number)))) AND token = \(p.bind(.text(token)))
            """ }, { _ in () })
    }

    public func leaseCount() async throws -> Int {
        try await query({ _ in "SELECT COUNT(*) FROM issue_leases" }, { $0.rows.first?.int(0) ?? 0 })
    }

    public func completeRequest(_ key: IssueKey, version: Int64, completion: RequestCompletion, claimedAt: Date,
                                coalescing: CoalescingPolicy, now: Date) async throws {
        let (status, error, retryAt): (String, String?, Int64?)
        switch completion {
        case .done: (status, error, retryAt) = ("done", nil, nil)
        case .retry(let message, let at): (status, error, retryAt) = ("pending", message, at.epochMilliseconds)
        case .giveUp(let message): (status, error, retryAt) = ("failed", message, nil)
        }
        let (greatest, least) = (sql.dialect.greatest, sql.dialect.least)
        // Same version: nothing happened meanwhile, the completion stands. Another version: new
        // events arrived during the groom, so the request stays pending in a window that opened
        // when the groom claimed it.
        try await query({ p in
            let (same, status) = ("version = \(p.bind(.integer(version)))", p.bind(.text(status)))
            let claimed = p.time(claimedAt)
            return """
                UPDATE groom_requests SET
                    status = CASE WHEN \(same) THEN \(status) WHEN status = 'pending' THEN 'pending' ELSE status END,
                    attempts = CASE WHEN \(same) THEN (CASE WHEN \(status) = 'done' THEN 0 ELSE attempts + 1 END) ELSE 0 END,
                    last_error = CASE WHEN \(same) THEN \(p.bind(.optional(error))) ELSE last_error END,
                    forced = CASE WHEN \(same) THEN 0 ELSE forced END,
                    first_event_at = CASE WHEN \(same) THEN first_event_at ELSE \(greatest)(first_event_at, \(claimed)) END,
                    due_at = CASE WHEN \(same) THEN COALESCE(\(p.bind(.optional(retryAt)))\(sql.dialect.bigintCast), due_at)
                                  ELSE \(least)(last_event_at + \(p.number(coalescing.quietMilliseconds)),
                                                \(greatest)(first_event_at, \(claimed)) + \(p.number(coalescing.maxWaitMilliseconds))) END,
                    updated_at = \(p.time(now))
                WHERE repository = \(p.bind(.text(key.repository))) AND issue_number = \(p.bind(.integer(Int64(key.number))))
                """
        }, { _ in () })
    }

    public func enqueueForced(_ key: IssueKey, installationID: Int64?, now: Date) async throws -> GroomRequest {
        let least = sql.dialect.least
        // A pending request already due stays due: a second forced groom (another process, the
        // page) never moves it past a run that has already read the clock to pick what is due.
        let row = try await query({ p in
            let at = p.time(now)
            return """
                INSERT INTO groom_requests AS r (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                                 events, version, forced, attempts, installation_id, updated_at)
                VALUES (\(p.bind(.text(key.repository))), \(p.bind(.integer(Int64(key.number)))), 'pending', \(at), \(at), \(at),
                        1, 1, 1, 0, \(p.bind(.optional(installationID)))\(sql.dialect.bigintCast), \(at))
                ON CONFLICT (repository, issue_number) DO UPDATE SET
                    first_event_at = CASE WHEN r.status = 'pending' THEN r.first_event_at ELSE excluded.first_event_at END,
                    last_event_at = excluded.last_event_at,
                    due_at = CASE WHEN r.status = 'pending' THEN \(least)(r.due_at, excluded.due_at) ELSE excluded.due_at END,
                    events = CASE WHEN r.status = 'pending' THEN r.events + 1 ELSE 1 END,
                    attempts = 0, last_error = NULL, forced = 1, status = 'pending', version = r.version + 1,
                    installation_id = COALESCE(excluded.installation_id, r.installation_id), updated_at = excluded.updated_at
                RETURNING \(StoreRows.requestColumns)
                """
        }, { $0.rows.first.map(StoreRows.request) })
        guard let row else { throw StoreError(.invalid, "forced request was not written") }
        return row
    }

    public func startRun(token: String, holder: String, trigger: RunTrigger, now: Date) async throws -> Int64 {
        try await query({ p in
            "INSERT INTO runs (token, holder, trigger, started_at) VALUES (\(p.bind(.text(token))), \(p.bind(.text(holder))), \(p.bind(.text(trigger.rawValue))), \(p.time(now))) RETURNING id"
        }, { $0.rows.first?.int64(0) ?? 0 })
    }

    public func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws {
        try await query({ p in """
            UPDATE runs SET finished_at = \(p.time(now)), result = \(p.bind(.text(summary.result.rawValue))),
                considered = \(p.bind(.integer(Int64(summary.considered)))), groomed = \(p.bind(.integer(Int64(summary.groomed)))),
                skipped = \(p.bind(.integer(Int64(summary.skipped)))), failed = \(p.bind(.integer(Int64(summary.failed))))
            WHERE id = \(p.bind(.integer(id)))
            """ }, { _ in () })
    }

    public func runs(limit: Int, before: Int64?) async throws -> [RunRecord] {
        try await query({ p in
            "SELECT \(StoreRows.runColumns) FROM runs WHERE id < \(p.bind(.integer(before ?? Int64.max))) ORDER BY id DESC LIMIT \(p.bind(.integer(Int64(limit))))"
        }, { $0.rows.map(StoreRows.run) })
    }

    public func recordGroom(_ record: GroomRecord) async throws {
        let json = CompactJSON.string(record)
        try await query({ p in """
            INSERT INTO groom_results (repository, issue_number, run_id, outcome, fingerprint, created_at, record)
            VALUES (\(p.bind(.text(record.key.repository))), \(p.bind(.integer(Int64(record.key.number)))), \(p.bind(.optional(record.runID))),
                    \(p.bind(.text(record.outcome.rawValue))), \(p.bind(.optional(record.fingerprint))), \(p.time(record.createdAt)), \(p.bind(.text(json))))
            """ }, { _ in () })
    }

    public func lastFingerprint(_ key: IssueKey) async throws -> String? {
        try await query({ p in """
            SELECT fingerprint FROM groom_results
            WHERE repository = \(p.bind(.text(key.repository))) AND issue_number = \(p.bind(.integer(Int64(key.number)))) AND fingerprint IS NOT NULL
              AND outcome IN ('applied', 'dry_run', 'no_change', 'unchanged')
            ORDER BY id DESC LIMIT 1
            """ }, { $0.rows.first?.string(0) })
    }

    public func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord] {
        try await query({ p in """
            SELECT record FROM groom_results WHERE repository = \(p.bind(.text(key.repository)))
              AND issue_number = \(p.bind(.integer(Int64(key.number)))) ORDER BY id DESC LIMIT \(p.bind(.integer(Int64(limit))))
            """ }, { $0.rows.compactMap(StoreRows.groomRecord) })
    }

    public func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String> {
        try await query({ p in
            "SELECT label FROM groomer_labels WHERE repository = \(p.bind(.text(key.repository))) AND issue_number = \(p.bind(.integer(Int64(key.number))))"
        }, { Set($0.rows.compactMap { $0.string(0) }) })
    }

    public func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws {
        let prefix = sql.dialect.placeholderPrefix
        let upsert = """
            INSERT INTO groomer_labels (repository, issue_number, label, added_at) VALUES (\(prefix)1, \(prefix)2, \(prefix)3, \(prefix)4)
            ON CONFLICT (repository, issue_number, label) DO UPDATE SET added_at = excluded.added_at
            """
        let delete = "DELETE FROM groomer_labels WHERE repository = \(prefix)1 AND issue_number = \(prefix)2 AND label = \(prefix)3"
        let issue: [SQLValue] = [.text(key.repository), .integer(Int64(key.number))]
        try await sql.connection { db in
            try db.transaction { () throws(StoreError) in
                for label in added { try db.query(upsert, issue + [.text(label), .integer(now.epochMilliseconds)]) }
                for label in removed { try db.query(delete, issue + [.text(label)]) }
            }
        }
    }
}
