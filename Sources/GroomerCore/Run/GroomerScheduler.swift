import Foundation
import Logging
import ServiceLifecycle

/// The long-running scheduler of `serve`: sleeps until the earliest due time or a
/// new request, then starts a run; never two runs in one process. It also polls now and then,
/// for requests another replica received, and prunes old deliveries.
public final class GroomerScheduler: Service, Sendable {
    private let runner: GroomerRunner
    private let store: any GroomerStore
    private let logger: Logger
    private let wake = WakeSignal()
    /// The longest sleep with nothing due: how soon a request received by another replica is seen.
    private let pollInterval: Duration
    /// Deliveries older than this are pruned.
    private let retention: TimeInterval

    public init(runner: GroomerRunner, store: any GroomerStore, logger: Logger, pollInterval: Duration = .seconds(5),
                retention: TimeInterval = 7 * 86_400) {
        self.runner = runner
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.retention = retention
    }

    /// Tells the scheduler a request was enqueued (the receiver calls this for every queued
    /// delivery). The scheduler wakes only if the request falls due before its next look;
    /// without `dueAt` (a forced re-groom) it wakes at once.
    public func notify(dueAt: Date? = nil) {
        wake.signal(dueAt: dueAt)
    }

    public func run() async throws {
        let clock = runner.groomer.clock
        var lastPrune = ContinuousClock.now - .seconds(86_400)
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if ContinuousClock.now - lastPrune > .seconds(3_600) {
                    lastPrune = .now
                    if let pruned = try? await store.pruneDeliveries(receivedBefore: clock.now() - retention), pruned > 0 {
                        logger.info("pruned old deliveries", metadata: ["count": "\(pruned)"])
                    }
                }
                let next: Date?
                do {
                    next = try await store.nextDueTime()
                } catch {
                    logger.warning("store unavailable; retrying", metadata: ["error": "\(error)"])
                    await sleep(for: .seconds(5))
                    continue
                }
                if let next, next <= clock.now() {
                    await runOnce()
                    continue
                }
                let sleep = next.map { Duration.milliseconds(Int64(max(0, $0.timeIntervalSince(clock.now())) * 1000) + 5) } ?? pollInterval
                await self.sleep(for: min(sleep, pollInterval))
            }
        } onGracefulShutdown: {
            self.wake.signal()
        }
    }

    private func runOnce() async {
        do {
            switch try await runner.run(trigger: .scheduler) {
            case .busy(let holder, _):
                logger.debug("another run holds the lock", metadata: ["holder": "\(holder)"])
                // Another replica is running; look again shortly rather than spin.
                await sleep(for: .seconds(2))
            case .completed(_, let summary, _):
                if summary.considered == 0 {
                    // Due requests exist but all are leased elsewhere; wait for their lease.
                    await sleep(for: .seconds(2))
                }
            }
        } catch {
            logger.error("run failed", metadata: ["error": "\(error)"])
            await sleep(for: .seconds(5))
        }
    }

    /// Sleeps for `duration` or until woken by a request due sooner.
    private func sleep(for duration: Duration) async {
        await wake.wait(until: .now + duration, nextLook: runner.groomer.clock.now().addingTimeInterval(duration / .seconds(1)))
    }
}
