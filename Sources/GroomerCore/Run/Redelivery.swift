import Foundation
import Logging
import Synchronization

/// The sweep's first step: the deliveries GitHub failed to make while groomer was down or
/// refusing (a deploy, an outage, a 503 from a full disk) are asked for again, where the
/// credentials may see the hook's deliveries.
///
/// As an App, the App's own webhook (`/app/hook/deliveries`, with the App's JWT); with a token,
/// the repository or organization hooks named by recent deliveries' `X-GitHub-Hook-ID`. A
/// delivery is asked for again when every attempt of it in the last `reconcile.lookback_hours`
/// failed, groomer has no record of it, and it is an event groomer acts on; each at most once
/// per process. A hook GitHub will not show (403, 404) is said once and left to the sweep.
public final class Redelivery: Sendable {
    private let store: any GroomerStore
    private let github: any GitHubAPI
    private let asApp: Bool
    private let lookback: TimeInterval
    private let logger: Logger
    /// The events groomer acts on; the others are not worth a request.
    static let events: Set<String> = ["issues", "issue_comment", "push"]
    /// Redeliveries asked for per sweep at most; the next sweep goes on.
    public static let perSweep = 100

    private struct Memory {
        var asked: Set<String> = []
        var refused: Set<WebhookSource> = []
        /// A token's hook that is an organization's, found by its repository hook's 404.
        var organizationHooks: Set<String> = []
    }

    private let memory = Mutex(Memory())

    public init(store: any GroomerStore, github: any GitHubAPI, asApp: Bool, lookbackHours: Int, logger: Logger) {
        self.store = store
        self.github = github
        self.asApp = asApp
        self.lookback = TimeInterval(lookbackHours) * 3_600
        self.logger = logger
    }

    /// Asks for every failed delivery of the lookback again; returns how many were asked for.
    public func redeliverFailed(now: Date) async -> Int {
        let since = now.addingTimeInterval(-lookback)
        let hooks: [RecentHook]
        do {
            hooks = try await store.sweeps.recentHooks(since: since)
        } catch {
            logger.warning("redelivery: store unavailable", metadata: ["error": "\(error)"])
            return 0
        }
        let sources: [WebhookSource] = asApp ? [.app] : hooks.compactMap { hook in
            guard let id = Int64(hook.hookID), let repository = hook.repository else { return nil }
            if memory.withLock({ $0.organizationHooks.contains(hook.hookID) }), let owner = repository.split(separator: "/").first {
                return .organization(String(owner), hookID: id)
            }
            return .repository(repository, hookID: id)
        }
        let hookIDs = hooks.map(\.hookID)
        var asked = 0
        for source in sources where !memory.withLock({ $0.refused.contains(source) }) {
            guard asked < Self.perSweep else { break }
            asked += await redeliver(from: source, since: since, knownHooks: hookIDs, budget: Self.perSweep - asked)
        }
        return asked
    }

    private func redeliver(from source: WebhookSource, since: Date, knownHooks: [String], budget: Int) async -> Int {
        let deliveries: [HookDelivery]
        do {
            deliveries = try await github.hookDeliveries(source, since: since)
        } catch GitHubError.notFound where !source.isOrganization && source != .app {
            // Perhaps the organization's hook: its repository has none of that id.
            guard case .repository(let repository, let id) = source, let owner = repository.split(separator: "/").first else { return 0 }
            memory.withLock { _ = $0.organizationHooks.insert(String(id)) }
            return await redeliver(from: .organization(String(owner), hookID: id), since: since, knownHooks: knownHooks, budget: budget)
        } catch GitHubError.notFound, GitHubError.unauthorized {
            memory.withLock { _ = $0.refused.insert(source) }
            logger.notice("GitHub does not show these credentials the deliveries of \(source); failed deliveries are left to the sweep")
            return 0
        } catch {
            logger.warning("redelivery: cannot list deliveries", metadata: ["hook": "\(source)", "error": "\(error)"])
            return 0
        }
        let delivered = Set(deliveries.filter { !$0.failed }.map(\.guid))
        var seen: Set<String> = []
        var asked = 0
        // Oldest first, one attempt per delivery: the newest failed attempt is the one to repeat.
        for attempt in deliveries.reversed() where attempt.failed && !delivered.contains(attempt.guid) {
            guard asked < budget else { break }
            guard Self.events.contains(attempt.event ?? ""), seen.insert(attempt.guid).inserted else { continue }
            guard memory.withLock({ !$0.asked.contains(attempt.guid) }) else { continue }
            do {
                if try await isRecorded(attempt.guid, hooks: knownHooks) { continue }
                try await github.redeliver(deliveries.first { $0.guid == attempt.guid } ?? attempt, of: source)
                memory.withLock { _ = $0.asked.insert(attempt.guid) }
                asked += 1
                GroomerMetrics.redelivered()
            } catch {
                logger.warning("redelivery refused", metadata: ["hook": "\(source)", "delivery": "\(attempt.guid)", "error": "\(error)"])
            }
        }
        if asked > 0 { logger.info("asked GitHub to deliver again what failed", metadata: ["hook": "\(source)", "count": "\(asked)"]) }
        return asked
    }

    private func isRecorded(_ guid: String, hooks: [String]) async throws -> Bool {
        for hook in hooks where try await store.delivery(hookID: hook, guid: guid) != nil { return true }
        return false
    }
}
