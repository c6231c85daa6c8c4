import Foundation

/// A delivery's writes, one text for both backends: its record, and what its effect does to the
/// groom requests, the human label decisions or the known hooks. Built once per dialect, so the
/// statement caches see the same text every time.
struct IngestStatements: Sendable {
    /// A delivery's record (parameters 1–11, `deliveryParameters`); a GUID already recorded changes nothing.
    let insertDelivery: String
    /// The coalescing rule in one atomic upsert: 1 repository, 2 issue, 3 event time, 4 quiet,
    /// 5 max wait, 6 installation, 7 snapshot. A pending row keeps its first event and moves its
    /// due time; any other row starts a new window. Right-hand sides read the row as it was.
    let upsertRequest: String
    /// Where the dialect allows: the record and the upsert as one statement (parameters 1–11 the
    /// delivery, 12–18 as the upsert's 1–7); a delivery already recorded upserts nothing and
    /// returns no row.
    let recordAndUpsertRequest: String?
    let cancelRequest: String
    let selectRequest: String
    let insertLabelDecision: String
    let upsertHook: String

    static let sqlite = IngestStatements(.sqlite)
    static let postgres = IngestStatements(.postgres)

    init(_ dialect: SQLDialect) {
        func p(_ n: Int) -> String { "\(dialect.placeholderPrefix)\(n)" }
        func n(_ k: Int) -> String { p(k) + dialect.bigintCast }
        let (greatest, least) = (dialect.greatest, dialect.least)
        insertDelivery = """
            INSERT INTO deliveries (hook_id, guid, event, action, repository, issue_number, sender, installation_id,
                                    received_at, outcome, reason)
            VALUES (\((1...11).map(p).joined(separator: ", ")))
            ON CONFLICT (hook_id, guid) DO NOTHING
            """
        func upsert(from first: Int, source: (Int) -> String) -> String {
            let k = { (i: Int) in first + i - 1 }
            return """
                INSERT INTO groom_requests AS r (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                                 events, version, forced, attempts, installation_id, snapshot, updated_at)
                \(source(first))
                ON CONFLICT (repository, issue_number) DO UPDATE SET
                    first_event_at = CASE WHEN r.status = 'pending' THEN r.first_event_at ELSE excluded.first_event_at END,
                    last_event_at = CASE WHEN r.status = 'pending' THEN \(greatest)(r.last_event_at, excluded.last_event_at)
                                         ELSE excluded.last_event_at END,
                    due_at = CASE WHEN r.status = 'pending'
                                  THEN \(least)(\(greatest)(r.last_event_at, excluded.last_event_at) + \(n(k(4))), r.first_event_at + \(n(k(5))))
                                  ELSE excluded.due_at END,
                    events = CASE WHEN r.status = 'pending' THEN r.events + 1 ELSE 1 END,
                    forced = CASE WHEN r.status = 'pending' THEN r.forced ELSE 0 END,
                    attempts = CASE WHEN r.status = 'pending' THEN r.attempts ELSE 0 END,
                    last_error = CASE WHEN r.status = 'pending' THEN r.last_error ELSE NULL END,
                    status = 'pending',
                    version = r.version + 1,
                    installation_id = COALESCE(excluded.installation_id, r.installation_id),
                    snapshot = COALESCE(excluded.snapshot, r.snapshot),
                    updated_at = excluded.updated_at
                RETURNING \(StoreRows.requestColumnsWithoutSnapshot)
                """
        }
        upsertRequest = upsert(from: 1) { _ in
            "VALUES (\(p(1)), \(p(2)), 'pending', \(n(3)), \(n(3)), \(n(3)) + \(least)(\(n(4)), \(n(5))), 1, 1, 0, 0, \(n(6)), \(p(7)), \(n(3)))"
        }
        recordAndUpsertRequest = dialect.recordsAndUpsertsInOneStatement ? """
            WITH recorded AS (
                \(insertDelivery)
                RETURNING 1
            )
            \(upsert(from: 12) { _ in
                "SELECT \(p(12))::text, \(n(13)), 'pending', \(n(14)), \(n(14)), \(n(14)) + \(least)(\(n(15)), \(n(16))), 1, 1, 0, 0, \(n(17)), \(p(18))::text, \(n(14)) FROM recorded"
            })
            """ : nil
        cancelRequest = """
            UPDATE groom_requests SET status = 'cancelled', version = version + 1, updated_at = \(p(1))
            WHERE repository = \(p(2)) AND issue_number = \(p(3)) AND status = 'pending'
            """
        selectRequest = "SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE repository = \(p(1)) AND issue_number = \(p(2))"
        insertLabelDecision = """
            INSERT INTO label_decisions (repository, issue_number, label, change, actor, decided_at, delivery_guid)
            VALUES (\((1...7).map(p).joined(separator: ", ")))
            """
        upsertHook = """
            INSERT INTO webhook_hooks (hook_id, first_ping_at, last_ping_at) VALUES (\(p(1)), \(p(2)), \(p(2)))
            ON CONFLICT (hook_id) DO UPDATE SET last_ping_at = excluded.last_ping_at
            """
    }

    static func deliveryParameters(_ d: DeliveryRecord) -> [SQLValue] {
        [.text(d.hookID), .text(d.guid), .text(d.event), .optional(d.action), .optional(d.repository),
         .optional(d.issueNumber), .optional(d.sender), .optional(d.installationID),
         .integer(d.receivedAt.epochMilliseconds), .text(d.outcome.rawValue), .optional(d.reason)]
    }

    static func upsertParameters(_ key: IssueKey, at: Int64, coalescing: CoalescingPolicy, installationID: Int64?,
                                 snapshotJSON: String?) -> [SQLValue] {
        [.text(key.repository), .integer(Int64(key.number)), .integer(at), .integer(coalescing.quietMilliseconds),
         .integer(coalescing.maxWaitMilliseconds), .optional(installationID), .optional(snapshotJSON)]
    }

    /// A human label decision, the receiver's or one the sweep read from an issue's events.
    func recordLabelDecision(_ decision: LabelDecision, on db: any SQLConnection) throws(StoreError) {
        try db.query(insertLabelDecision, [
            .text(decision.issue.repository), .integer(Int64(decision.issue.number)), .text(decision.label),
            .text(decision.change.rawValue), .text(decision.actor), .integer(decision.decidedAt.epochMilliseconds),
            .optional(decision.deliveryGUID),
        ])
    }

    /// One delivery's writes, inside the caller's transaction.
    func ingestOne(_ delivery: DeliveryRecord, effect: DeliveryEffect, coalescing: CoalescingPolicy, snapshotJSON: String?,
                   on db: any SQLConnection) throws(StoreError) -> IngestResult {
        let inserted = try db.query(insertDelivery, Self.deliveryParameters(delivery)).changes
        guard inserted == 1 else { return .duplicate }
        let at = delivery.receivedAt.epochMilliseconds
        switch effect {
        case .groom(let key, let installationID, _):
            let rows = try db.query(upsertRequest, Self.upsertParameters(key, at: at, coalescing: coalescing, installationID: installationID,
                                                                         snapshotJSON: snapshotJSON)).rows
            return .recorded(.queued, request: rows.first.map(StoreRows.request))
        case .cancel(let key, _):
            let changed = try db.query(cancelRequest, [.integer(at), .text(key.repository), .integer(Int64(key.number))]).changes
            // The request only when one was pending and is now cancelled.
            guard changed > 0 else { return .recorded(.cancelled, request: nil) }
            let rows = try db.query(selectRequest, [.text(key.repository), .integer(Int64(key.number))]).rows
            return .recorded(.cancelled, request: rows.first.map(StoreRows.request))
        case .labelDecision(let decision):
            try recordLabelDecision(decision, on: db)
            return .recorded(.labelDecision, request: nil)
        case .ping(let hookID):
            try db.query(upsertHook, [.text(hookID), .integer(at)])
            return .recorded(.pong, request: nil)
        case .ignore:
            return .recorded(.ignored, request: nil)
        case .reject:
            return .recorded(.rejected, request: nil)
        }
    }
}
