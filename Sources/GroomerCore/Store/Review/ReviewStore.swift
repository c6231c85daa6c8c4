import Foundation

/// The review store on either backend, one set of statements.
struct SQLReviewStore: ReviewStore {
    let connection: SQLExecutor

    func recentGrooms(repository: String?, outcome: GroomRecord.Outcome?, limit: Int) async throws -> [ReviewedGroom] {
        try await connection { db in
            try db.query("""
                SELECT g.record, r.snapshot FROM groom_results g
                LEFT JOIN groom_requests r ON r.repository = g.repository AND r.issue_number = g.issue_number
                WHERE ($1 = '' OR g.repository = $1) AND ($2 = '' OR g.outcome = $2)
                ORDER BY g.id DESC LIMIT $3
                """, [.text(repository ?? ""), .text(outcome?.rawValue ?? ""), .integer(Int64(limit))]).rows.compactMap { row in
                StoreRows.groomRecord(row).map { record in
                    ReviewedGroom(record: record, title: row.string(1).flatMap { try? JSONDecoder().decode(IssueSnapshot.self, from: Data($0.utf8)) }?.title)
                }
            }
        }
    }

    func grooms(since: Date, repository: String?, limit: Int) async throws -> [GroomRecord] {
        try await connection { db in
            try db.query("""
                SELECT record FROM groom_results WHERE created_at >= $1 AND ($2 = '' OR repository = $2) ORDER BY id LIMIT $3
                """, [.integer(since.epochMilliseconds), .text(repository ?? ""), .integer(Int64(limit))]).rows.compactMap(StoreRows.groomRecord)
        }
    }

    func labelDecisions(since: Date, limit: Int) async throws -> [LabelDecision] {
        try await connection { db in
            try db.query("""
                SELECT label, change, actor, decided_at, delivery_guid, issue_number, repository FROM label_decisions
                WHERE decided_at >= $1 ORDER BY decided_at LIMIT $2
                """, [.integer(since.epochMilliseconds), .integer(Int64(limit))]).rows.map { row in
                StoreRows.labelDecision(row, key: IssueKey(repository: row.string(6) ?? "", number: row.int(5) ?? 0))
            }
        }
    }

    func queue(limit: Int) async throws -> [GroomRequest] {
        try await connection { db in
            try db.query("""
                SELECT \(StoreRows.requestColumnsWithoutSnapshot) FROM groom_requests
                WHERE status IN ('pending', 'failed') ORDER BY status DESC, due_at LIMIT $1
                """, [.integer(Int64(limit))]).rows.map(StoreRows.request)
        }
    }

    func lastSweeps() async throws -> [String: Date] {
        try await connection { db in
            let rows = try db.query("SELECT repository, swept_at FROM sweep_watermarks", []).rows
            return Dictionary(rows.map { ($0.string(0) ?? "", Date(epochMilliseconds: $0.int64(1) ?? 0)) }, uniquingKeysWith: max)
        }
    }
}
