import Foundation

/// What the maintainer's page reads: recent decisions across issues, the queue, the human
/// label decisions live precision is computed from, and when each repository was last swept.
public protocol ReviewStore: Sendable {
    /// Groom records with the title as groomer last had it, newest first; `repository`
    /// and `outcome` filter when given.
    func recentGrooms(repository: String?, outcome: GroomRecord.Outcome?, limit: Int) async throws -> [ReviewedGroom]
    /// Groom records created at or after `since`, oldest first, of `repository` when given
    /// (without the issues' titles: live precision reads many of them).
    func grooms(since: Date, repository: String?, limit: Int) async throws -> [GroomRecord]
    /// Human label decisions at or after `since`, oldest first.
    func labelDecisions(since: Date, limit: Int) async throws -> [LabelDecision]
    /// Requests that are waiting (pending) or were given up (failed), the due soonest first.
    func queue(limit: Int) async throws -> [GroomRequest]
    /// When each repository was last swept.
    func lastSweeps() async throws -> [String: Date]
}

/// A groom record and the title of its issue.
public struct ReviewedGroom: Sendable {
    public var record: GroomRecord
    public var title: String?

    public init(record: GroomRecord, title: String?) {
        self.record = record
        self.title = title
    }
}
