import Foundation
import Logging
import ServiceLifecycle

/// One groomer run at a time across every process sharing the store: take the lock,
/// heartbeat it, take due requests oldest first, groom them under issue leases with bounded
/// concurrency, record everything, release the lock in every exit path.
public struct GroomerRunner: Sendable {
    /// The run's roles of the store: the lock and leases, the queue, the audit.
    public let store: any RunStore
    public let groomer: IssueGroomer
    /// Who runs: host and process, for the audit and for operators.
    public let holder: String
    public var batchSize = 50
    public var concurrency = 4

    public init(store: any RunStore, groomer: IssueGroomer, holder: String = GroomerRunner.defaultHolder) {
        self.store = store
        self.groomer = groomer
        self.holder = holder
    }

    public static var defaultHolder: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// A run's result: done (with its summary) or busy — a normal answer, not an error.
    public enum Outcome: Sendable, Equatable {
        case completed(runID: Int64, summary: RunSummary, records: [GroomRecord])
        case busy(holder: String, since: Date)
    }

    /// - Parameters:
    ///   - trigger: why the run started (`scheduler`, `manual`, `replay`, `groom`), for the audit.
    ///   - dueBy: requests due by this time are taken; replay passes a far future to take all.
    public func run(trigger: RunTrigger, dueBy: Date? = nil) async throws -> Outcome {
        let clock = groomer.clock
        let ttl = groomer.configuration.defaults.lockTTL
        let token = UUID().uuidString
        switch try await store.acquireRunLock(token: token, holder: holder, ttl: ttl, now: clock.now()) {
        case .busy(let other, let since):
            GroomerMetrics.lockBusy()
            return .busy(holder: other, since: since)
        case .acquired:
            break
        }
        var logger = groomer.logger
        logger[metadataKey: "run_trigger"] = "\(trigger)"
        let lock = RunLockHolder(token: token, store: store, ttl: ttl, clock: clock, logger: logger)
        let heartbeat = Task { await lock.heartbeat() }
        do {
            let outcome = try await runHoldingLock(lock, token: token, trigger: trigger, dueBy: dueBy ?? clock.now(), ttl: ttl, logger: logger)
            heartbeat.cancel()
            await lock.release()
            return outcome
        } catch {
            heartbeat.cancel()
            await lock.release()  // released on every exit path
            throw error
        }
    }

    private func runHoldingLock(_ lock: RunLockHolder, token: String, trigger: RunTrigger, dueBy: Date, ttl: TimeInterval,
                                logger: Logger) async throws -> Outcome {
        let clock = groomer.clock
        let runID = try await store.startRun(token: token, holder: holder, trigger: trigger, now: clock.now())
        let due = try await store.dueRequests(now: dueBy, limit: batchSize)
        logger.info("run started", metadata: ["run": "\(runID)", "due": "\(due.count)"])
        let done = await withTaskGroup(of: GroomRecord?.self) { group -> [GroomRecord] in
            var finished: [GroomRecord] = []
            for (index, request) in due.enumerated() {
                if index >= concurrency, let record = await group.next() { record.map { finished.append($0) } }
                // On shutdown, issues not started stay pending for the next process.
                guard lock.isHeld, !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
                group.addTask { await groomLeased(request, runID: runID, lock: lock, ttl: ttl, logger: logger) }
            }
            for await record in group { record.map { finished.append($0) } }
            return finished
        }
        var summary = RunSummary(result: lock.isHeld ? .completed : .lockLost, considered: done.count)
        for record in done {
            switch record.outcome {
            case .applied, .suggested, .dryRun, .noChange: summary.groomed += 1
            case .unchanged, .skipped: summary.skipped += 1
            case .failed: summary.failed += 1
            }
        }
        try await store.finishRun(runID, summary: summary, now: clock.now())
        GroomerMetrics.run(result: summary.result)
        if let pending = try? await store.pendingRequestCount() { GroomerMetrics.pendingRequests(pending) }
        logger.info("run finished", metadata: ["run": "\(runID)", "groomed": "\(summary.groomed)", "skipped": "\(summary.skipped)",
                                               "failed": "\(summary.failed)", "result": "\(summary.result)"])
        return .completed(runID: runID, summary: summary, records: done.sorted { $0.key.description < $1.key.description })
    }

    /// Leases the issue, grooms it, completes the request and releases the lease.
    private func groomLeased(_ request: GroomRequest, runID: Int64, lock: RunLockHolder, ttl: TimeInterval, logger: Logger) async -> GroomRecord? {
        let clock = groomer.clock
        let leaseToken = UUID().uuidString
        do {
            guard try await store.leaseIssue(request.key, token: leaseToken, ttl: ttl, now: clock.now()) else { return nil }
        } catch {
            logger.warning("could not lease the issue", metadata: ["issue": "\(request.key)", "error": "\(error)"])
            return nil
        }
        let claimedAt = clock.now()
        GroomerMetrics.dueLag(claimedAt.timeIntervalSince(request.dueAt))
        let (record, completion) = await groomer.groom(request, runID: runID, lockHeld: { lock.isHeld })
        if Task.isCancelled {
            // Stopped mid-groom (shutdown past its grace period): the request stays as it was, pending.
            try? await store.releaseIssueLease(request.key, token: leaseToken)
            return nil
        }
        GroomerMetrics.groom(outcome: record.outcome.rawValue)
        if let triage = record.triage { GroomerMetrics.triaged(source: triage.source.rawValue, llmCalls: triage.llmCalls) }
        GroomerMetrics.labelWrites("add", count: record.written?.add.count ?? 0)
        GroomerMetrics.labelWrites("remove", count: record.written?.remove.count ?? 0)
        do {
            try await store.recordGroom(record)
            let coalescing = groomer.policies.policy(for: request.key.repository).debounce
            try await store.completeRequest(request.key, version: request.version, completion: completion, claimedAt: claimedAt,
                                            coalescing: coalescing, now: clock.now())
        } catch {
            // The request stays pending and is groomed again once the lease expires.
            logger.error("could not record the groom", metadata: ["issue": "\(request.key)", "error": "\(error)"])
        }
        try? await store.releaseIssueLease(request.key, token: leaseToken)
        return record
    }
}
