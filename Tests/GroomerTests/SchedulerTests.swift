import Foundation
import GroomerCore
import GroomerTesting
import Logging
import ServiceLifecycle
import Testing

/// The scheduler as `serve` runs it: it wakes when a request is enqueued and sleeps until it is due.
@Suite struct SchedulerTests {
    @Test func aDeliveryIsGroomedOneQuietWindowLaterWithNoRunAskedFor() async throws {
        let configuration = try RunHarness.configuration("debounce: { quiet_seconds: 1, max_wait_seconds: 5 }\n")
        try await RunHarness.with(configuration: configuration) { h in
            var logger = Logger(label: "scheduler-test")
            logger.logLevel = .critical
            let runner = h.runner(clock: SystemClock())
            let scheduler = GroomerScheduler(runner: runner, store: h.server.store, logger: logger, pollInterval: .seconds(3600))
            let group = ServiceGroup(configuration: .init(services: [scheduler], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // The test server stamps with its manual clock; deliver "now" in wall time.
                h.server.clock.set(Date())
                let sent = ContinuousClock.now
                _ = try await h.deliver()
                // As the receiver does: the request is due in one second, long before the
                // scheduler's next look (an hour), so only this wakes it in time.
                let request = try #require(try await h.server.store.groomRequest(IssueKey(repository: RunHarness.repository, number: 1)))
                scheduler.notify(dueAt: request.dueAt)
                let deadline = ContinuousClock.now + .seconds(120)
                while h.llm.callCount == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let waited = ContinuousClock.now - sent
                #expect(h.llm.callCount == 1)
                #expect(waited >= .milliseconds(900), "not before the quiet window")
                // Well before the scheduler's own next look: woken by the notice, however
                // loaded the machine.
                #expect(waited < .seconds(120))
                while try await h.server.store.pendingRequests().count > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(h.github.issue(RunHarness.repository, 1)?.labels == ["bug"])
            #expect(try await h.server.store.runs(limit: 10, before: nil).first?.trigger == .scheduler)
        }
    }
}
