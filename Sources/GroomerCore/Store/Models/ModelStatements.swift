import Foundation

/// The model store's statements, written once for both backends: `$n` placeholders (numbered
/// in order of first use, which SQLite binds by position too) and types both accept.
enum ModelStatements {
    static func save(_ stored: StoredModel, in db: some SQLConnection) throws {
        let json = try stored.model.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.query("""
            INSERT INTO label_models (repository, status, version, trained_at, examples, decisions_seen, note, model)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (repository) DO UPDATE SET status = excluded.status, version = excluded.version,
                trained_at = excluded.trained_at, examples = excluded.examples, decisions_seen = excluded.decisions_seen,
                note = excluded.note, model = excluded.model
            """, [.text(stored.repository), .text(stored.status.rawValue), .optional(stored.model?.version),
                  .integer(stored.trainedAt.epochMilliseconds), .integer(Int64(stored.examples)),
                  .integer(Int64(stored.decisionsSeen)), .optional(stored.note), .optional(json)])
    }

    static func load(_ repository: String, withModel: Bool, in db: some SQLConnection) throws -> StoredModel? {
        guard let row = try db.query("""
            SELECT repository, status, trained_at, examples, decisions_seen, note, \(withModel ? "model" : "NULL") FROM label_models
            WHERE lower(repository) = lower($1)
            """, [.text(repository)]).rows.first else { return nil }
        var model: LabelModel?
        if let json = row.string(6) {
            do {
                model = try JSONDecoder().decode(LabelModel.self, from: Data(json.utf8))
            } catch {
                throw StoreError(.invalid, "the stored model of \(repository) cannot be read; `groomer learn` trains a new one")
            }
        }
        return StoredModel(repository: row.string(0) ?? repository, status: StoredModel.Status(rawValue: row.string(1) ?? "") ?? .tooFewExamples,
                           trainedAt: Date(epochMilliseconds: row.int64(2) ?? 0), examples: row.int(3) ?? 0,
                           decisionsSeen: row.int(4) ?? 0, note: row.string(5), model: model)
    }

    static func versions(in db: some SQLConnection) throws -> [String: String?] {
        var versions: [String: String?] = [:]
        for row in try db.query("SELECT repository, version FROM label_models", []).rows {
            versions[row.string(0) ?? ""] = .some(row.string(1))
        }
        return versions
    }

    static func decisions(repository: String, in db: some SQLConnection) throws -> [LabelDecision] {
        try db.query("""
            SELECT label, change, actor, decided_at, delivery_guid, issue_number FROM label_decisions
            WHERE repository = $1 ORDER BY decided_at, id
            """, [.text(repository)]).rows.map { row in
                StoreRows.labelDecision(row, key: IssueKey(repository: repository, number: row.int(5) ?? 0))
            }
    }

    static func decisionCount(repository: String, in db: some SQLConnection) throws -> Int {
        try db.query("SELECT COUNT(*) FROM label_decisions WHERE repository = $1", [.text(repository)]).rows.first?.int(0) ?? 0
    }

    static func repositories(in db: some SQLConnection) throws -> [KnownRepository] {
        try db.query("""
            SELECT r.repository, MAX(r.installation_id),
                   (SELECT MIN(d.received_at) FROM deliveries d WHERE d.repository = r.repository)
            FROM groom_requests r GROUP BY r.repository ORDER BY r.repository
            """, []).rows.map {
            KnownRepository(name: $0.string(0) ?? "", installationID: $0.int64(1), firstDeliveryAt: $0.int64(2).map(Date.init(epochMilliseconds:)))
        }
    }

    /// The lease is a row of the run-lock table named after the repository.
    static func acquireLease(repository: String, token: String, holder: String, ttl: TimeInterval, now: Date,
                             in db: some SQLConnection) throws -> Bool {
        try acquireLease(named: leaseName(repository), token: token, holder: holder, ttl: ttl, now: now, in: db)
    }

    /// A named row of the run-lock table, taken unless another holder refreshed it within `ttl`.
    static func acquireLease(named name: String, token: String, holder: String, ttl: TimeInterval, now: Date,
                             in db: some SQLConnection) throws -> Bool {
        let at = now.epochMilliseconds
        return try db.query("""
            INSERT INTO run_lock (name, token, holder, acquired_at, heartbeat_at) VALUES ($1, $2, $3, $4, $4)
            ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at
            WHERE run_lock.heartbeat_at < $5
            RETURNING token
            """, [.text(name), .text(token), .text(holder), .integer(at), .integer(at - Int64(ttl * 1000))])
            .rows.first?.string(0) == token
    }

    static func releaseLease(repository: String, token: String, in db: some SQLConnection) throws {
        try releaseLease(named: leaseName(repository), token: token, in: db)
    }

    static func releaseLease(named name: String, token: String, in db: some SQLConnection) throws {
        try db.query("DELETE FROM run_lock WHERE name = $1 AND token = $2", [.text(name), .text(token)])
    }

    private static func leaseName(_ repository: String) -> String { "learn " + repository.lowercased() }
}
