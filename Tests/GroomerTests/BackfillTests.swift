import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Testing

/// The backfill against the fake GitHub: the never-groomed open issues, queued and spread so
/// that their grooms stay within a share of the rate limit GitHub reports.
@Suite struct BackfillTests {
    static let repository = RunHarness.repository
    static let token = "admin-token"

    static func seed(_ github: FakeGitHub, count: Int) {
        for number in 1...count {
            let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_700_000_000 + Double(number) * 60))
            github.addIssue(repository, .init(number: number, title: "Issue \(number): it crashes", body: "Traceback", createdAt: created))
        }
        github.addIssue(repository, .init(number: count + 1, title: "A pull request", body: "", isPullRequest: true))
        github.addIssue(repository, .init(number: count + 2, title: "Closed long ago", body: "", state: "closed"))
    }

    @Test(arguments: Backend.all) func aBackfillOfAThousandIssuesQueuesTheUngroomedOnesWithinItsShareOfTheRateLimit(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [], adminToken: Self.token) { h in
            Self.seed(h.github, count: 1_000)
            h.github.setRateLimit(remaining: 3_000, reset: Int(Date().timeIntervalSince1970) + 3_600)
            _ = try await h.deliver(issue: 7)  // already known: not queued again
            var logger = Logger(label: "backfill-test")
            logger.logLevel = .critical
            let client = GitHubRESTClient(baseURL: h.github.baseURL, transport: CurlTransport(), credentials: .token("test-token"), logger: logger)
            let backfill = Backfill(store: h.server.store, github: client, configuration: h.configuration, clock: h.server.clock, logger: logger)
            let summary = try await backfill.run(Self.repository, installation: nil, since: nil, limit: 5_000)
            #expect(summary.listed == 1_000, "open issues only, no pull request")
            #expect(summary.known == 1)
            #expect(summary.queued == 999)

            // Whatever hour one looks at, the grooms due in it stay within half of what GitHub said is left.
            let due = try await h.server.store.pendingRequests().map(\.dueAt).sorted()
            #expect(due.count == 1_000)
            let remaining = try #require(summary.rateRemaining)
            var start = 0
            var busiest = 0
            for end in due.indices {
                while due[end].timeIntervalSince(due[start]) >= 3_600 { start += 1 }
                busiest = max(busiest, end - start + 1)
            }
            #expect(Double(busiest * Backfill.requestsPerGroom) <= 0.5 * Double(remaining) + Double(Backfill.requestsPerGroom) * 2,
                    "busiest hour \(busiest) grooms against \(remaining) requests left")
            #expect(h.github.requests.filter { $0.path.hasSuffix("/issues") }.count == 11, "ten pages and the end")

            // Then the grooms themselves, against a GitHub that refuses every request once the
            // hour's are spent: those due in the backfill's first hour are groomed, and spend at
            // most its share of what was left. All 1,000 at once would need about twice the hour.
            h.github.enforceRateLimit()
            let before = h.github.rateRemaining
            let hourEnd = due[0].addingTimeInterval(3_599)
            let dueInHour = due.filter { $0 <= hourEnd }.count
            h.server.clock.set(hourEnd)
            var runner = h.runner(mutationSpacing: .milliseconds(1))
            runner.batchSize = 500
            var groomed = 0
            while let summary = try await runner.run(trigger: .scheduler).summary, summary.considered > 0 {
                groomed += summary.groomed
            }
            let spent = before - h.github.rateRemaining
            #expect(groomed == dueInHour, "every groom due in the hour was groomed")
            #expect(groomed < 1_000 && groomed > 100)
            #expect(h.github.primaryLimitRefusals == 0, "GitHub refused none of the hour's requests")
            #expect(Double(spent) <= 0.5 * Double(remaining) + Double(Backfill.requestsPerGroom) * 2,
                    "\(groomed) grooms spent \(spent) of \(remaining) requests left")
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
        }
    }

    @Test(arguments: Backend.all) func theEndpointQueuesIssuesOpenedSinceADayAndAnswersWhatItQueued(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [], adminToken: Self.token) { h in
            Self.seed(h.github, count: 30)
            let auth = [("Authorization", "Bearer \(Self.token)")]
            let url = h.server.baseURL + "/api/repos/\(Self.repository)/backfill"
            // Issue n was opened 1,700,000,000 + 60n: 2023-11-14T22:13:20Z plus n minutes; none before the 15th.
            let none = try await Client.send(url + "?since=2023-11-15", headers: auth)
            #expect(none.status == 202, "\(none.body)")
            #expect(none.json["queued"] as? Int == 0)
            let all = try await Client.send(url + "?since=2023-11-14&limit=20", headers: auth)
            #expect(all.status == 202)
            #expect(all.json["queued"] as? Int == 20)
            #expect(all.json["listed"] as? Int == 20)
            #expect(all.json["spacing_seconds"] is Double)
            let again = try await Client.send(url, headers: auth)
            #expect(again.json["queued"] as? Int == 10, "the 20 already queued are known: \(again.body)")
            let bad = try await Client.send(url + "?since=yesterday", headers: auth)
            #expect(bad.status == 400)
            #expect(bad.json["error"] as? String == "since must be a day, YYYY-MM-DD")
        }
    }
}
