import Foundation
import Logging
import ServiceLifecycle

/// `serve`'s reconcile sweep: GitHub never retries a failed delivery, so now and then groomer
/// asks GitHub what changed instead of waiting to be told.
///
/// For each repository groomer has requests for, it pages the issues updated since the
/// repository's watermark, least recently updated first. An open issue groomer never saw, or
/// whose title or body differs from the copy it last had, gets a groom request like any
/// delivery's; a closed one loses its pending request. A label a human removed meanwhile is
/// not re-added: the groom reads the issue's events for every label its record says nothing
/// about. One replica sweeps at a time (a lease in the store).
public final class ReconcileSweep: Service, Sendable {
    private let store: any GroomerStore
    private let github: any GitHubAPI
    private let configuration: GroomerConfiguration
    private let clock: any GroomerClock
    private let logger: Logger
    private let holder: String
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
                holder: String = GroomerRunner.defaultHolder, redelivery: Redelivery? = nil, logger: Logger,
                onQueued: @escaping @Sendable () -> Void = {}) {
        self.redelivery = redelivery
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
                if summary.queued > 0 || summary.cancelled > 0 || summary.redelivered > 0 {
                    logger.info("sweep found what no delivery said", metadata: [
                        "queued": "\(summary.queued)", "cancelled": "\(summary.cancelled)", "read": "\(summary.read)",
                        "redelivered": "\(summary.redelivered)"])
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
}
