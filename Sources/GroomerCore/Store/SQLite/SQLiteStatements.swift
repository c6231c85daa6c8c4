import Foundation

/// The SQLite backend's statements and how their rows become Swift values.
enum SQLiteStatements {
    static let insertDelivery = """
        INSERT INTO deliveries (hook_id, guid, event, action, repository, issue_number, sender, installation_id,
                                received_at, outcome, reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (hook_id, guid) DO NOTHING
        """

    static func deliveryParameters(_ d: DeliveryRecord) -> [SQLValue] {
        [.text(d.hookID), .text(d.guid), .text(d.event), .optional(d.action), .optional(d.repository),
         .optional(d.issueNumber), .optional(d.sender), .optional(d.installationID),
         .integer(d.receivedAt.epochMilliseconds), .text(d.outcome.rawValue), .optional(d.reason)]
    }


    static let selectDelivery = "SELECT \(StoreRows.deliveryColumns) FROM deliveries WHERE hook_id = ? AND guid = ?"


    /// The coalescing rule in one atomic upsert. ?1 repository, ?2 issue, ?3 event time, ?4 quiet, ?5 max wait,
    /// ?6 installation, ?7 snapshot. A pending row keeps its first event and moves its due time;
    /// any other row starts a new window. Right-hand sides read the row as it was before the update.
    static let upsertRequest = """
        INSERT INTO groom_requests (repository, issue_number, status, first_event_at, last_event_at, due_at,
                                    events, version, forced, attempts, installation_id, snapshot, updated_at)
        VALUES (?1, ?2, 'pending', ?3, ?3, ?3 + MIN(?4, ?5), 1, 1, 0, 0, ?6, ?7, ?3)
        ON CONFLICT (repository, issue_number) DO UPDATE SET
            first_event_at = CASE WHEN status = 'pending' THEN first_event_at ELSE excluded.first_event_at END,
            last_event_at = CASE WHEN status = 'pending' THEN MAX(last_event_at, excluded.last_event_at)
                                 ELSE excluded.last_event_at END,
            due_at = CASE WHEN status = 'pending'
                          THEN MIN(MAX(last_event_at, excluded.last_event_at) + ?4, first_event_at + ?5)
                          ELSE excluded.due_at END,
            events = CASE WHEN status = 'pending' THEN events + 1 ELSE 1 END,
            forced = CASE WHEN status = 'pending' THEN forced ELSE 0 END,
            attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
            last_error = CASE WHEN status = 'pending' THEN last_error ELSE NULL END,
            status = 'pending',
            version = version + 1,
            installation_id = COALESCE(excluded.installation_id, installation_id),
            snapshot = COALESCE(excluded.snapshot, snapshot),
            updated_at = excluded.updated_at
        RETURNING \(StoreRows.requestColumnsWithoutSnapshot)
        """

    static let cancelRequest = """
        UPDATE groom_requests SET status = 'cancelled', version = version + 1, updated_at = ?
        WHERE repository = ? AND issue_number = ? AND status = 'pending'
        """


    static let selectRequest = "SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE repository = ? AND issue_number = ?"

    static let selectPending = "SELECT \(StoreRows.requestColumns) FROM groom_requests WHERE status = 'pending' ORDER BY due_at, repository, issue_number"


    static let insertLabelDecision = """
        INSERT INTO label_decisions (repository, issue_number, label, change, actor, decided_at, delivery_guid)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    static let selectLabelDecisions = """
        SELECT label, change, actor, decided_at, delivery_guid FROM label_decisions
        WHERE repository = ? AND issue_number = ? ORDER BY decided_at, id
        """


    static let upsertHook = """
        INSERT INTO webhook_hooks (hook_id, first_ping_at, last_ping_at) VALUES (?1, ?2, ?2)
        ON CONFLICT (hook_id) DO UPDATE SET last_ping_at = excluded.last_ping_at
        """
}
