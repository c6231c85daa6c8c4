import Foundation

/// Column lists and row decoders shared by both backends: the schema is the same, and both
/// hand back rows as `SQLRow`s whose values are read by position.
enum StoreRows {
    static let deliveryColumns = """
        hook_id, guid, event, action, repository, issue_number, sender, installation_id, received_at, outcome, reason
        """

    static let requestColumns = """
        repository, issue_number, status, first_event_at, last_event_at, due_at, events, version, forced,
        attempts, last_error, installation_id, snapshot
        """

    /// The request columns with NULL for the snapshot: what an ingest returns. The caller holds
    /// the delivery's snapshot already, and reading back a 64 KiB body on every delivery is waste.
    static let requestColumnsWithoutSnapshot = """
        repository, issue_number, status, first_event_at, last_event_at, due_at, events, version, forced,
        attempts, last_error, installation_id, NULL
        """

    static func delivery(_ row: SQLRow) -> DeliveryRecord {
        DeliveryRecord(
            hookID: row.string(0) ?? "", guid: row.string(1) ?? "", event: row.string(2) ?? "",
            action: row.string(3), repository: row.string(4), issueNumber: row.int(5), sender: row.string(6),
            installationID: row.int64(7), receivedAt: Date(epochMilliseconds: row.int64(8) ?? 0),
            outcome: DeliveryOutcome(rawValue: row.string(9) ?? "") ?? .ignored, reason: row.string(10))
    }

    static func request(_ row: SQLRow) -> GroomRequest {
        GroomRequest(
            key: IssueKey(repository: row.string(0) ?? "", number: row.int(1) ?? 0),
            status: RequestStatus(rawValue: row.string(2) ?? "") ?? .pending,
            firstEventAt: Date(epochMilliseconds: row.int64(3) ?? 0),
            lastEventAt: Date(epochMilliseconds: row.int64(4) ?? 0),
            dueAt: Date(epochMilliseconds: row.int64(5) ?? 0),
            events: row.int(6) ?? 0,
            version: row.int64(7) ?? 0,
            forced: (row.int64(8) ?? 0) != 0,
            attempts: row.int(9) ?? 0,
            lastError: row.string(10),
            installationID: row.int64(11),
            snapshot: row.string(12).flatMap { try? JSONDecoder().decode(IssueSnapshot.self, from: Data($0.utf8)) })
    }

    static func labelDecision(_ row: SQLRow, key: IssueKey) -> LabelDecision {
        LabelDecision(
            issue: key, label: row.string(0) ?? "",
            change: LabelDecision.Change(rawValue: row.string(1) ?? "") ?? .added,
            actor: row.string(2) ?? "", decidedAt: Date(epochMilliseconds: row.int64(3) ?? 0),
            deliveryGUID: row.string(4))
    }

    static let runColumns = "id, holder, trigger, started_at, finished_at, result, considered, groomed, skipped, failed"

    static func run(_ row: SQLRow) -> RunRecord {
        RunRecord(id: row.int64(0) ?? 0, holder: row.string(1) ?? "", trigger: RunTrigger(rawValue: row.string(2) ?? "") ?? .manual,
                  startedAt: Date(epochMilliseconds: row.int64(3) ?? 0), finishedAt: row.int64(4).map(Date.init(epochMilliseconds:)),
                  summary: RunSummary(result: RunResult(rawValue: row.string(5) ?? "") ?? .running, considered: row.int(6) ?? 0, groomed: row.int(7) ?? 0,
                                      skipped: row.int(8) ?? 0, failed: row.int(9) ?? 0))
    }

    /// The audit record kept as JSON in `groom_results.record`.
    static func groomRecord(_ row: SQLRow) -> GroomRecord? {
        row.string(0).flatMap { try? JSONDecoder().decode(GroomRecord.self, from: Data($0.utf8)) }
    }
}
