import Foundation
import GroomerCore
import GroomerTesting
import NIOHTTP1
import Testing

/// The operator endpoints over real HTTP.
@Suite struct OperatorTests {
    static let token = "admin-token-for-tests"
    static let auth = [("Authorization", "Bearer \(OperatorTests.token)")]

    @Test func withoutAnAdminTokenTheEndpointsAre404() async throws {
        try await RunHarness.with(adminToken: nil) { h in
            let run = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth)
            #expect(run.status == 404)
            let runs = try await Client.send(h.server.baseURL + "/api/runs", method: .GET, headers: Self.auth)
            #expect(runs.status == 404)
        }
    }

    @Test func anUnknownPathIsAJSON404AWrongMethodIs405AndABadLimitIs400() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            for path in ["/nothing-here", "/api/nothing", "/webhooks/gitlab"] {
                let reply = try await Client.send(h.server.baseURL + path, method: .GET, headers: Self.auth)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.json["error"] as? String == "no such endpoint", "\(path): \(reply.body)")
            }
            let get = try await Client.send(h.server.baseURL + "/api/groomer/run", method: .GET, headers: Self.auth)
            #expect(get.status == 405)
            #expect(get.headers["Allow"].first == "POST")
            for limit in ["abc", "0", "101"] {
                let runs = try await Client.send(h.server.baseURL + "/api/runs?limit=\(limit)", method: .GET, headers: Self.auth)
                #expect(runs.status == 400, "limit=\(limit)")
                #expect(runs.json["error"] as? String == "limit must be a number from 1 to 100")
            }
            let fine = try await Client.send(h.server.baseURL + "/api/runs?limit=5", method: .GET, headers: Self.auth)
            #expect(fine.status == 200)
            let model = try await Client.send(h.server.baseURL + "/api/repos/octo/repo/model", method: .GET, headers: Self.auth)
            #expect(model.status == 404, "a parameter route still wins over the catch-all")
            #expect((model.json["error"] as? String)?.hasPrefix("no model for octo/repo") == true)
        }
    }

    @Test func aWrongOrMissingTokenIs401() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            for headers in [[], [("Authorization", "Bearer wrong")], [("Authorization", "Bearer \(Self.token)x")],
                            [("Authorization", Self.token)], [("Authorization", "Basic \(Self.token)")]] {
                let reply = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: headers)
                #expect(reply.status == 401)
                #expect(reply.json["error"] as? String == "admin token missing or wrong")
            }
            #expect(h.llm.callCount == 0)
        }
    }

    @Test func runNowAnswersTheSummaryAnd409WhileTheLockIsHeld() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            let idle = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth)
            #expect(idle.status == 200)
            #expect(idle.json["considered"] as? Int == 0)
            #expect(idle.json["result"] as? String == "completed")

            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let busyToken = "someone-else"
            #expect(try await h.server.store.acquireRunLock(token: busyToken, holder: "replica-b:42", ttl: 90, now: h.server.clock.now()) == .acquired)
            h.server.clock.advance(by: 5)
            let busy = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth)
            #expect(busy.status == 409)
            #expect(busy.json["holder"] as? String == "replica-b:42")
            #expect(busy.json["held_seconds"] as? Double == 5)
            try await h.server.store.releaseRunLock(token: busyToken)

            let done = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth)
            #expect(done.status == 200)
            #expect(done.json["groomed"] as? Int == 1)
            #expect(done.json["run_id"] is Int)
            #expect(done.json["duration_ms"] is Int)
        }
    }

    @Test func aManualRegroomIsQueuedDueNow() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            let reply = try await Client.send(h.server.baseURL + "/api/repos/Codertocat/Hello-World/issues/1/groom", headers: Self.auth)
            #expect(reply.status == 202)
            let request = try await h.server.store.groomRequest(IssueKey(repository: RunHarness.repository, number: 1))
            #expect(request?.forced == true)
            #expect(request?.dueAt == h.server.clock.now())
        }
    }

    @Test func aManualRegroomWithWaitAnswersTheDecisionAndIgnoresTheFingerprint() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            let url = h.server.baseURL + "/api/repos/Codertocat/Hello-World/issues/1/groom?wait=true"
            let first = try await Client.send(url, headers: Self.auth)
            #expect(first.status == 200)
            #expect(first.json["outcome"] as? String == "applied")
            let labels = first.json["labels"] as? [[String: Any]]
            #expect(labels?.first?["name"] as? String == "bug")
            #expect(labels?.first?["confidence"] as? Double == 0.95)
            #expect(labels?.first?["reason"] as? String == "because")
            #expect((first.json["written"] as? [String: Any])?["add"] as? [String] == ["bug"])
            // Forced: the same content is triaged again.
            let second = try await Client.send(url, headers: Self.auth)
            #expect(second.status == 200)
            #expect(h.llm.callCount == 2)
            #expect(second.json["outcome"] as? String == "no_change")
        }
    }

    @Test func aDryRunRegroomNeverWrites() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            let reply = try await Client.send(h.server.baseURL + "/api/repos/Codertocat/Hello-World/issues/1/groom?dry_run=true", headers: Self.auth)
            #expect(reply.status == 200)
            #expect(reply.json["dry_run"] as? Bool == true)
            #expect((reply.json["plan"] as? [String: Any])?["add"] as? [String] == ["bug"])
            #expect(h.labelWrites.isEmpty)
            #expect(try await h.server.store.groomRecords(for: IssueKey(repository: RunHarness.repository, number: 1), limit: 1).first?.outcome == .dryRun)
        }
    }

    @Test func aRegroomOfAnIssueGitHubDoesNotHaveIs404() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            for suffix in ["", "?wait=true", "?dry_run=true"] {
                let reply = try await Client.send(h.server.baseURL + "/api/repos/Codertocat/Hello-World/issues/999/groom\(suffix)", headers: Self.auth)
                #expect(reply.status == 404, "\(suffix)")
            }
            #expect(try await h.server.store.pendingRequests().isEmpty)
        }
    }

    @Test func runsArePaginatedNewestFirst() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            for _ in 0..<3 { _ = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth) }
            let page = try await Client.send(h.server.baseURL + "/api/runs?limit=2", method: .GET, headers: Self.auth)
            #expect(page.status == 200)
            let runs = page.json["runs"] as? [[String: Any]] ?? []
            #expect(runs.count == 2)
            let ids = runs.compactMap { $0["run_id"] as? Int }
            #expect(ids == ids.sorted(by: >))
            let next = try #require(page.json["next_before"] as? Int)
            let rest = try await Client.send(h.server.baseURL + "/api/runs?limit=2&before=\(next)", method: .GET, headers: Self.auth)
            #expect((rest.json["runs"] as? [[String: Any]])?.count == 1)
            #expect(rest.json["next_before"] == nil)
            let bad = try await Client.send(h.server.baseURL + "/api/runs?before=abc", method: .GET, headers: Self.auth)
            #expect(bad.status == 400)
        }
    }

    @Test func historyShowsDeliveriesGroomsAndHumanDecisionsNewestFirst() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            _ = try await h.deliver("issues/unlabeled.payload.json")
            h.server.clock.advance(by: 1)
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            _ = try await h.runner().run(trigger: .manual)
            let reply = try await Client.send(h.server.baseURL + "/api/repos/Codertocat/Hello-World/issues/1/history", method: .GET, headers: Self.auth)
            #expect(reply.status == 200)
            let deliveries = reply.json["deliveries"] as? [[String: Any]] ?? []
            #expect(deliveries.compactMap { $0["action"] as? String } == ["edited", "unlabeled"])
            let grooms = reply.json["grooms"] as? [[String: Any]] ?? []
            #expect(grooms.count == 1)
            #expect((reply.json["label_decisions"] as? [[String: Any]])?.first?["label"] as? String == "bug")
            // One JSON style: snake_case keys, ISO 8601 UTC times (not seconds since 2001).
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let received = deliveries.first?["received_at"] as? String ?? ""
            #expect(iso.date(from: received) != nil, "received_at: \(received)")
            #expect(deliveries.first?["hook_id"] != nil && deliveries.first?["receivedAt"] == nil)
            #expect(iso.date(from: grooms.first?["created_at"] as? String ?? "") != nil, "\(grooms)")
            #expect(grooms.first?["duration_ms"] is Int && grooms.first?["dry_run"] is Bool)
            let decided = (reply.json["label_decisions"] as? [[String: Any]])?.first?["decided_at"] as? String ?? ""
            #expect(iso.date(from: decided) != nil, "decided_at: \(decided)")
        }
    }

    @Test func everyAPIAnswerHasSnakeCaseKeysAndTimesAnOrdinaryJSONClientReadsRight() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            _ = try await h.deliver("issues/unlabeled.payload.json")
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            let api = h.server.baseURL + "/api"
            let issue = api + "/repos/Codertocat/Hello-World/issues/1"
            var answers: [(String, Reply)] = []
            for (method, path) in [(HTTPMethod.POST, "/groomer/run"), (.POST, "/repos/Codertocat/Hello-World/issues/1/groom?wait=true"),
                                   (.POST, "/repos/Codertocat/Hello-World/issues/1/groom?dry_run=true"),
                                   (.POST, "/repos/Codertocat/Hello-World/issues/1/groom"), (.GET, "/runs"),
                                   (.GET, "/repos/Codertocat/Hello-World/issues/1/history"), (.GET, "/repos/Codertocat/Hello-World/config"),
                                   (.POST, "/repos/Codertocat/Hello-World/backfill"), (.GET, "/runs?limit=abc"),
                                   (.GET, "/repos/octo/repo/model"), (.GET, "/nothing")] {
                answers.append(("\(method) \(path)", try await Client.send(api + path, method: method, headers: Self.auth)))
            }
            // The check itself: the history's old answer fails it twice over.
            #expect(APIStyle.violations(["deliveries": [["receivedAt": 817_843_262.6, "received_at": 817_843_262.6]]]).count == 2)
            for (name, reply) in answers {
                let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))
                #expect(json is [String: Any], "\(name) answers a JSON object: \(reply.body)")
                #expect(APIStyle.violations(json ?? [:]).isEmpty, "\(name): \(APIStyle.violations(json ?? [:]))")
            }
            // Each time is the instant it names: what the clock said, read by a plain ISO 8601 parser.
            let history = try await Client.send(issue + "/history", method: .GET, headers: Self.auth).json
            let now = h.server.clock.now()
            let times = ((history["deliveries"] as? [[String: Any]] ?? []).compactMap { $0["received_at"] }
                         + (history["grooms"] as? [[String: Any]] ?? []).compactMap { $0["created_at"] }).compactMap(APIStyle.time)
            #expect(times.count >= 4, "two deliveries and two grooms: \(history)")
            for time in times { #expect(abs(time.timeIntervalSince(now)) <= 16, "\(time) against the clock's \(now)") }
            let runs = try await Client.send(api + "/runs", method: .GET, headers: Self.auth).json["runs"] as? [[String: Any]] ?? []
            #expect(runs.compactMap { $0["started_at"] }.compactMap(APIStyle.time).count == runs.count && !runs.isEmpty, "\(runs)")
        }
    }

    @Test func metricsAreValidPrometheusTextAndMoveWithTraffic() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            func scrape() async throws -> [PrometheusText.Sample] {
                let reply = try await Client.send(h.server.baseURL + "/metrics", method: .GET)
                #expect(reply.status == 200)
                #expect(reply.headers["Content-Type"].first?.hasPrefix("text/plain") == true)
                return try PrometheusText.parse(reply.body).samples
            }
            func total(_ samples: [PrometheusText.Sample], _ name: String, _ labels: [String: String] = [:]) -> Double {
                samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(\.value).reduce(0, +)
            }
            let before = try await scrape()
            let forged = try await Client.deliver(Data(#"{"zen":"x"}"#.utf8), event: "ping", to: h.server.webhookURL, secret: "wrong secret")
            #expect(forged.status == 401)
            _ = try await h.deliver()
            h.server.clock.advance(by: 15)
            _ = try await Client.send(h.server.baseURL + "/api/groomer/run", headers: Self.auth)
            let after = try await scrape()
            #expect(total(after, "groomer_deliveries_total", ["outcome": "queued"]) >= total(before, "groomer_deliveries_total", ["outcome": "queued"]) + 1)
            #expect(total(after, "groomer_runs_total") >= total(before, "groomer_runs_total") + 1)
            #expect(total(after, "groomer_webhook_refused_total", ["status": "401"]) >= total(before, "groomer_webhook_refused_total", ["status": "401"]) + 1)
            #expect(total(after, "groomer_llm_calls_total") >= total(before, "groomer_llm_calls_total") + 1)
            #expect(total(after, "groomer_triaged_issues_total", ["source": "llm"]) >= total(before, "groomer_triaged_issues_total", ["source": "llm"]) + 1)
            #expect(total(after, "groomer_triage_llm_calls_total", ["source": "llm"])
                    >= total(before, "groomer_triage_llm_calls_total", ["source": "llm"]) + 1, "LLM calls per triaged issue can be read off")
            #expect(total(after, "groomer_llm_tokens_total", ["kind": "prompt"]) >= total(before, "groomer_llm_tokens_total", ["kind": "prompt"]) + 120)
            #expect(total(after, "groomer_github_requests_total", ["operation": "issues/add-labels"]) >= 1)
            #expect(total(after, "groomer_label_writes_total", ["kind": "add"]) >= 1)
            #expect(after.contains { $0.name == "groomer_github_rate_limit_remaining" })
            #expect(after.contains { $0.name == "groomer_pending_requests" })
        }
    }

    @Test func theParserRejectsMalformedExposition() throws {
        #expect(throws: PrometheusText.Malformed.self) { try PrometheusText.parse("groomer_x{outcome=queued} 1") }
        #expect(throws: PrometheusText.Malformed.self) { try PrometheusText.parse("groomer x 1") }
        #expect(throws: PrometheusText.Malformed.self) { try PrometheusText.parse("# TYPE groomer_x countr") }
        #expect(throws: PrometheusText.Malformed.self) { try PrometheusText.parse("groomer_x{a=\"1\"} one") }
        let parsed = try PrometheusText.parse("# TYPE a counter\na{b=\"c\\\"d\"} 2 1700000000\n")
        #expect(parsed.samples == [.init(name: "a", labels: ["b": "c\"d"], value: 2)])
    }
}
