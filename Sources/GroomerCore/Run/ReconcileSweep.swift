import Foundation
import Logging
import ServiceLifecycle

/// `serve`'s reconcile sweep: GitHub never retries a failed delivery, so now and then groomer
/// asks GitHub what changed instead of waiting to be told.
///
/// For each repository groomer has requests for, it pages the issues updated since the
/// repository's watermark, least recently updated first. An open issue groomer never saw, or
/// whose title or body differs from the copy it last had, gets a groom request like any
/// delivery's; a closed one loses its pending request. A label groomer wrote that is gone from
/// an open issue is looked up in the issue's events, and a human's removal is recorded as the
/// receiver would have recorded it, before any groom: a sweep never re-adds what a human
/// removed, and live precision counts the correction. One replica sweeps at a time (a lease in
/// the store).
public final class ReconcileSweep: Service, Sendable {
    private let store: any GroomerStore
    private let github: any GitHubAPI
    private let configuration: GroomerConfiguration
    private let clock: any GroomerClock
    private let logger: Logger
    private let holder: String
    /// groomer's own login: its own label events are not a human's decision.
    private let botLogin: String?
    private let onQueued: @Sendable () -> Void
    /// Failed deliveries asked for again first, where the credentials permit.
    private let redelivery: Redelivery?
    private let wake = WakeSignal()
    /// How far back a repository's first sweep looks at most (it starts where its oldest kept delivery is).
    public static let firstLookBack: TimeInterval = 7 * 86_400
    /// Each sweep re-reads this much before the watermark, so an issue updated while a page
    /// was read is not missed.
    public static let overlap: TimeInterval = 60
    /// Issues read per repository per sweep at most; the next sweep goes on from there.
    public static let pageLimit = 1_000

    public init(store: any GroomerStore, github: any GitHubAPI, configuration: GroomerConfiguration, clock: any GroomerClock = SystemClock(),
                holder: String = GroomerRunner.defaultHolder, botLogin: String? = nil, redelivery: Redelivery? = nil, logger: Logger,
                onQueued: @escaping @Sendable () -> Void = {}) {
        self.redelivery = redelivery
        self.botLogin = botLogin
        self.store = store
        self.github = github
        self.configuration = configuration
        self.clock = clock
        self.holder = holder
        self.logger = logger
        self.onQueued = onQueued
    }

    /// What one sweep did.
    public struct Summary: Sendable, Equatable {
        public var repositories = 0
        public var read = 0
        public var queued = 0
        public var cancelled = 0
        /// Human removals of groomer's labels read from issues' events and recorded.
        public var removalsRecorded = 0
        /// Failed deliveries GitHub was asked to send again.
        public var redelivered = 0
        /// Another replica held the sweep.
        public var busy = false
    }

    public func run() async throws {
        let interval = Duration.seconds(configuration.reconcileInterval)
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let summary = await sweepOnce()
                if summary.queued > 0 || summary.cancelled > 0 || summary.redelivered > 0 || summary.removalsRecorded > 0 {
                    logger.info("sweep found what no delivery said", metadata: [
                        "queued": "\(summary.queued)", "cancelled": "\(summary.cancelled)", "read": "\(summary.read)",
                        "redelivered": "\(summary.redelivered)", "removals_recorded": "\(summary.removalsRecorded)"])
                }
                await wake.wait(until: .now + interval, nextLook: clock.now().addingTimeInterval(interval / .seconds(1)))
            }
        } onGracefulShutdown: {
            self.wake.signal()
        }
    }

    /// One sweep of every known repository, under the sweep lease.
    @discardableResult
    public func sweepOnce() async -> Summary {
        var summary = Summary()
        let sweeps = store.sweeps
        let token = UUID().uuidString
        let ttl = max(600, TimeInterval(configuration.reconcileInterval) * 2)
        do {
            guard try await sweeps.acquireSweepLease(token: token, holder: holder, ttl: ttl, now: clock.now()) else {
                summary.busy = true
                return summary
            }
        } catch {
            logger.warning("sweep: store unavailable", metadata: ["error": "\(error)"])
            return summary
        }
        if let redelivery { summary.redelivered = await redelivery.redeliverFailed(now: clock.now()) }
        do {
            for repository in try await store.models.knownRepositories() where !Task.isShuttingDownGracefully {
                do {
                    try await sweep(repository, into: &summary)
                } catch {
                    logger.warning("sweep of a repository failed; the next one tries again",
                                   metadata: ["repository": "\(repository.name)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("sweep: cannot list repositories", metadata: ["error": "\(error)"])
        }
        try? await sweeps.releaseSweepLease(token: token)
        if summary.queued > 0 { onQueued() }
        return summary
    }

    private func sweep(_ repository: KnownRepository, into summary: inout Summary) async throws {
        let sweeps = store.sweeps
        let now = clock.now()
        // A repository's first sweep reads back to when groomer first heard of it, at most a week:
        // installing groomer does not queue the whole recent backlog (that is a backfill's job).
        let firstLook = max(now.addingTimeInterval(-Self.firstLookBack),
                            repository.firstDeliveryAt.map { $0.addingTimeInterval(-Self.overlap) } ?? now)
        let since = try await sweeps.sweepWatermark(repository.name) ?? firstLook
        let issues = try await github.issuesUpdated(repository.name, since: since, installation: repository.installationID, limit: Self.pageLimit)
        summary.repositories += 1
        summary.read += issues.count
        let quiet = TimeInterval(configuration.policy(for: repository.name).debounce.quietMilliseconds) / 1000
        for issue in issues where !issue.isPullRequest {
            let key = IssueKey(repository: repository.name, number: issue.number)
            if issue.state != "open" {
                if try await sweeps.cancelSwept(key, now: now) { summary.cancelled += 1 }
                continue
            }
            summary.removalsRecorded += try await recordHumanRemovals(key, labels: issue.labels.map(\.name),
                                                                      installation: repository.installationID)
            let known = try await store.groomRequest(key)
            if known?.status == .pending { continue }
            if let seen = known?.snapshot, seen.title == issue.title, seen.body == issue.body { continue }
            if try await sweeps.enqueueSwept(key, installationID: repository.installationID ?? known?.installationID,
                                             snapshot: issue.snapshot, dueAt: now.addingTimeInterval(quiet), now: now) {
                summary.queued += 1
            }
        }
        // On from the newest update read, less the overlap; a full page goes on from exactly there.
        guard let newest = issues.compactMap(\.updatedAt).max() else { return }
        let next = issues.count >= Self.pageLimit ? newest : newest.addingTimeInterval(-Self.overlap)
        if next > since { try await sweeps.setSweepWatermark(repository.name, to: next, now: now) }
    }

    /// The labels groomer wrote that are gone from the issue and that no recorded decision
    /// explains: where the issue's events say a human's last change to one was its removal,
    /// that removal is recorded.
    /// Returns how many were recorded. Costs one request, and only for an issue that lost one
    /// of groomer's labels unseen.
    private func recordHumanRemovals(_ key: IssueKey, labels: [String], installation: Int64?) async throws -> Int {
        let present = Set(labels.map { $0.lowercased() })
        let gone = try await store.groomerOwnedLabels(key).filter { !present.contains($0.lowercased()) }
        guard !gone.isEmpty else { return 0 }
        let explained = HumanLabelHistory(decisions: try await store.labelDecisions(for: key)).removed
        let unexplained = Set(gone.map { $0.lowercased() }).subtracting(explained)
        guard !unexplained.isEmpty else { return 0 }
        let events = try await github.issueEvents(key, installation: installation)
        let decisions = IssueEvent.latestHumanLabelChanges(events, groomerLogin: botLogin)
            .filter { unexplained.contains($0.key) && $0.value.event == "unlabeled" }
            .map { label, event in
                LabelDecision(issue: key, label: event.label ?? label, change: .removed, actor: event.actor ?? "unknown",
                              decidedAt: event.createdAt ?? clock.now(), deliveryGUID: nil)
            }
            .sorted { $0.decidedAt < $1.decidedAt }
        try await store.sweeps.recordSweptDecisions(decisions)
        return decisions.count
    }
}
