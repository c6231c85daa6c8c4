import Foundation
import Logging

/// `groomer backfill` and `POST /api/repos/{owner}/{repo}/backfill`: the open issues groomer
/// never groomed, queued with due times spread so that their grooms use at most
/// `backfill.rate_share` of GitHub's remaining hourly requests. The repository's mode applies
/// as to any groom: a dry run stays dry.
public struct Backfill: Sendable {
    public let store: any GroomerStore
    public let github: any GitHubAPI
    public let configuration: GroomerConfiguration
    public let clock: any GroomerClock
    public let logger: Logger
    /// Rate-limited GitHub requests one backfilled groom spends, with a margin: it reads the
    /// issue and its events and writes once; the repository's labels are an ETag read, answered
    /// 304 at no cost after the first. `BackfillTests` measures about 3 against a fake GitHub
    /// that enforces the limit; 4 leaves room for a re-read before a write.
    public static let requestsPerGroom = 4

    public init(store: any GroomerStore, github: any GitHubAPI, configuration: GroomerConfiguration,
                clock: any GroomerClock = SystemClock(), logger: Logger) {
        self.store = store
        self.github = github
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// What a backfill queued, and over how long.
    public struct Summary: Sendable, Equatable, Encodable {
        public var repository: String
        public var listed = 0
        public var queued = 0
        /// Open issues groomer already has a request for (groomed, pending or failed).
        public var known = 0
        public var rateRemaining: Int?
        /// Seconds between two queued grooms' due times.
        public var spacingSeconds = 0.0
        public var firstDueAt: String?
        public var lastDueAt: String?

        enum CodingKeys: String, CodingKey {
            case repository, listed, queued, known
            case rateRemaining = "rate_remaining"
            case spacingSeconds = "spacing_seconds"
            case firstDueAt = "first_due_at"
            case lastDueAt = "last_due_at"
        }
    }

    /// - Parameters:
    ///   - since: only issues opened at or after it.
    ///   - progress: told after each issue, with the summary so far.
    public func run(_ repository: String, installation: Int64?, since: Date?, limit: Int,
                    progress: @Sendable (Summary) -> Void = { _ in }) async throws -> Summary {
        var summary = Summary(repository: repository)
        let issues = try await github.openIssues(repository, installation: installation, limit: limit)
            .filter { issue in since.map { (issue.createdAt ?? .distantFuture) >= $0 } ?? true }
            .reversed()  // oldest first: the backlog in the order it arrived
        summary.listed = issues.count
        // The hour's budget, as GitHub said after the listing; unknown: GitHub's 5,000 for a token.
        let remaining = github.rateLimitRemaining ?? 5_000
        summary.rateRemaining = github.rateLimitRemaining
        let groomsPerHour = max(1, Double(remaining) * configuration.backfillRateShare / Double(Self.requestsPerGroom))
        summary.spacingSeconds = 3_600 / groomsPerHour
        let now = clock.now()
        let quiet = TimeInterval(configuration.policy(for: repository).debounce.quietMilliseconds) / 1000
        for issue in issues {
            let key = IssueKey(repository: repository, number: issue.number)
            if try await store.groomRequest(key) != nil {
                summary.known += 1
            } else {
                let dueAt = now.addingTimeInterval(quiet + Double(summary.queued) * summary.spacingSeconds)
                if try await store.sweeps.enqueueSwept(key, installationID: installation, snapshot: issue.snapshot, dueAt: dueAt, now: now) {
                    summary.queued += 1
                    if summary.firstDueAt == nil { summary.firstDueAt = dueAt.iso8601 }
                    summary.lastDueAt = dueAt.iso8601
                }
            }
            progress(summary)
        }
        GroomerMetrics.backfillQueued(summary.queued)
        logger.info("backfill queued", metadata: ["repository": "\(repository)", "queued": "\(summary.queued)",
                                                  "known": "\(summary.known)", "spacing_s": "\(summary.spacingSeconds)"])
        return summary
    }
}
