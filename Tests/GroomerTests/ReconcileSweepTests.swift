import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Testing

/// The reconcile sweep against the fake GitHub: what happened while groomer heard nothing.
@Suite struct ReconcileSweepTests {
    static let repository = RunHarness.repository

    static func sweep(_ h: RunHarness) -> ReconcileSweep {
        var logger = Logger(label: "sweep-test")
        logger.logLevel = .critical
        let client = GitHubRESTClient(baseURL: h.github.baseURL, transport: CurlTransport(), credentials: .token("test-token"),
                                      policy: RateLimitPolicy(initialBackoff: 0.1, maxAttempts: 2), transientBackoff: 0.05, logger: logger)
        return ReconcileSweep(store: h.server.store, github: client, configuration: h.configuration, clock: h.server.clock,
                              botLogin: "groomer-bot", logger: logger)
    }

    /// A time as GitHub writes it, `seconds` after the harness clock's now.
    static func stamp(_ h: RunHarness, _ seconds: TimeInterval = 0) -> String {
        ISO8601DateFormatter().string(from: h.server.clock.now().addingTimeInterval(seconds))
    }

    /// Issue 1 delivered and groomed (`bug` written), so the repository is known.
    static func groomFirstIssue(_ h: RunHarness) async throws {
        h.github.updateIssue(repository, 1) { $0.updatedAt = "2026-01-01T00:00:00Z" }
        _ = try await h.deliver(issue: 1)
        h.server.clock.advance(by: 15)
        _ = try await h.runner().run(trigger: .manual)
        #expect(h.github.issue(repository, 1)?.labels == ["bug"])
    }

    @Test(arguments: Backend.all) func issuesOpenedAndEditedWhileNoDeliveryCameAreGroomedAfterTheSweep(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1]) { h in
            try await Self.groomFirstIssue(h)
            let sweep = Self.sweep(h)
            #expect(await sweep.sweepOnce().queued == 0, "nothing changed")

            // Meanwhile, without a delivery: issue 2 opened, issue 1's body edited, issue 3 opened and closed.
            h.github.addIssue(Self.repository, .init(number: 2, title: "Crash on save", body: "It crashes.", updatedAt: Self.stamp(h, 1)))
            h.github.updateIssue(Self.repository, 1) { $0.body = "It crashes when I open it, and again on save."; $0.updatedAt = Self.stamp(h, 2) }
            h.github.addIssue(Self.repository, .init(number: 3, title: "Never mind", body: "", state: "closed", updatedAt: Self.stamp(h, 3)))
            h.github.addIssue(Self.repository, .init(number: 4, title: "A pull request", body: "", isPullRequest: true, updatedAt: Self.stamp(h, 4)))
            // Last touched a day before groomer first heard of the repository: backlog, not a missed delivery.
            h.github.addIssue(Self.repository, .init(number: 5, title: "Old crash", body: "It crashes.", updatedAt: Self.stamp(h, -86_400)))
            let summary = await sweep.sweepOnce()
            #expect(summary.queued == 2, "\(summary)")
            #expect(try await h.server.store.groomRequest(IssueKey(repository: Self.repository, number: 3)) == nil, "a closed issue is not queued")
            #expect(try await h.server.store.groomRequest(IssueKey(repository: Self.repository, number: 4)) == nil, "nor a pull request")
            #expect(try await h.server.store.groomRequest(IssueKey(repository: Self.repository, number: 5)) == nil,
                    "the first sweep reads back only to the first delivery")
            #expect(await sweep.sweepOnce().queued == 0, "already pending: not queued twice")

            h.server.clock.advance(by: 15)
            let outcome = try await h.runner().run(trigger: .manual)
            #expect(Set(outcome.records.map(\.key.number)) == [1, 2])
            #expect(h.github.issue(Self.repository, 2)?.labels == ["bug"])
            let listing = try #require(h.github.requests.last { $0.path.hasSuffix("/issues") })
            #expect(listing.queryItems["sort"] == "updated" && listing.queryItems["direction"] == "asc" && listing.queryItems["since"] != nil)
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
        }
    }

    @Test(arguments: Backend.all) func aLabelAHumanRemovedWhileNoDeliveryCameIsNotReAddedBySweepsGroom(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1]) { h in
            try await Self.groomFirstIssue(h)
            let writes = h.labelWrites.count
            // A maintainer removes groomer's `bug` and edits the issue; groomer hears nothing.
            h.github.humanLabelChange(Self.repository, 1, label: "bug", added: false, actor: "maintainer")
            h.github.updateIssue(Self.repository, 1) { $0.body = "It crashes. Edited."; $0.updatedAt = Self.stamp(h, 5) }
            let summary = await Self.sweep(h).sweepOnce()
            #expect(summary.queued == 1 && summary.removalsRecorded == 1, "\(summary)")
            // Recorded before any groom, as the receiver would have: who removed it, and when.
            let key = IssueKey(repository: Self.repository, number: 1)
            let decisions = try await h.server.store.labelDecisions(for: key)
            #expect(decisions.map { "\($0.label) \($0.change) \($0.actor)" } == ["bug removed maintainer"])
            h.server.clock.advance(by: 15)
            let record = try #require(try await h.runner().run(trigger: .manual).records.first)
            #expect(record.triage?.proposals.map(\.name) == ["bug"])
            #expect(record.notes["bug"] == "a human removed it")
            #expect(h.github.issue(Self.repository, 1)?.labels == [])
            #expect(h.labelWrites.count == writes, "nothing written")
        }
    }

    @Test(arguments: Backend.all) func aHumanRemovalWithNoEditIsRecordedOnceAndCountsAsACorrection(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1]) { h in
            try await Self.groomFirstIssue(h)
            let key = IssueKey(repository: Self.repository, number: 1)
            // A maintainer takes groomer's `bug` off; nothing is edited, and groomer hears nothing.
            h.github.humanLabelChange(Self.repository, 1, label: "bug", added: false, actor: "maintainer")
            h.github.updateIssue(Self.repository, 1) { $0.updatedAt = Self.stamp(h, 5) }
            let sweep = Self.sweep(h)
            let first = await sweep.sweepOnce()
            #expect(first.removalsRecorded == 1, "one correction: \(first)")
            #expect(try await h.server.store.labelDecisions(for: key).map(\.actor) == ["maintainer"])
            let eventReads = h.github.requests.filter { $0.path.hasSuffix("/events") }.count
            h.github.updateIssue(Self.repository, 1) { $0.updatedAt = Self.stamp(h, 6) }
            h.server.clock.advance(by: 120)
            let second = await sweep.sweepOnce()
            #expect(second.removalsRecorded == 0, "recorded once")
            #expect(h.github.requests.filter { $0.path.hasSuffix("/events") }.count == eventReads, "a removal on record is not read again")
            #expect(try await h.server.store.labelDecisions(for: key).count == 1)
        }
    }

    @Test(arguments: Backend.all) func aLabelAnotherBotRemovedIsNotRecordedAsAHumanDecision(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1]) { h in
            try await Self.groomFirstIssue(h)
            h.github.humanLabelChange(Self.repository, 1, label: "bug", added: false, actor: "stale[bot]", bot: true)
            h.github.updateIssue(Self.repository, 1) { $0.updatedAt = Self.stamp(h, 5) }
            #expect(await Self.sweep(h).sweepOnce().removalsRecorded == 0)
            #expect(try await h.server.store.labelDecisions(for: IssueKey(repository: Self.repository, number: 1)).isEmpty)
        }
    }

    @Test(arguments: Backend.all) func anIssueClosedWhileNoDeliveryCameLosesItsPendingRequest(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1]) { h in
            _ = try await h.deliver(issue: 1)
            h.github.updateIssue(Self.repository, 1) { $0.state = "closed"; $0.updatedAt = Self.stamp(h, 1) }
            let summary = await Self.sweep(h).sweepOnce()
            #expect(summary.cancelled == 1)
            #expect(try await h.server.store.groomRequest(IssueKey(repository: Self.repository, number: 1))?.status == .cancelled)
        }
    }

    @Test func theSweepsIntervalIsReadFromThePolicyFileAndZeroTurnsItOff() throws {
        #expect(try ConfigurationFile.parse("dry_run: true\n", source: "g.yaml").reconcileInterval == 600)
        #expect(try ConfigurationFile.parse("reconcile:\n  interval_seconds: 0\n", source: "g.yaml").reconcileInterval == 0)
        #expect(throws: ConfigurationError(source: "g.yaml", key: "reconcile.interval_seconds",
                                           problem: "expected a whole number from 0 to 86400, got -5")) {
            try ConfigurationFile.parse("reconcile:\n  interval_seconds: -5\n", source: "g.yaml")
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationFile.parse("reconcile:\n  every: 5\n", source: "g.yaml") }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.parse("repositories:\n  o/r:\n    reconcile: {interval_seconds: 5}\n", source: "g.yaml")
        }
    }
}
