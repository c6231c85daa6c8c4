import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The `groomer` executable as a user runs it.
@Suite struct CommandLineTests {
    @Test func serveRefusesToStartWithoutAWebhookSecret() async throws {
        let groomer = GroomerProcess(["serve", "--port", "0", "--database", "sqlite::memory:"])
        let status = try await groomer.run()
        #expect(status != 0)
        #expect(groomer.stderr.contains("GROOMER_WEBHOOK_SECRET"))
    }

    @Test func aBusyPortOrAnUnknownHostIsNamedAtOnceAndNoStoreIsCreated() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("groomer.sqlite")
        try await TestServer.with { (busy: TestServer) async throws -> Void in
            let groomer = GroomerProcess(["serve", "--port", String(busy.port), "--database", "sqlite:\(database.path)"],
                                         environment: ["GROOMER_WEBHOOK_SECRET": "s"])
            #expect(try await groomer.run() != 0)
            #expect(groomer.stderr.contains("cannot listen on 127.0.0.1:\(busy.port): address already in use"), "\(groomer.stderr)")
            #expect(!groomer.stderr.contains("errno"), "named before the server tries to bind, not by its error")
        }
        let unknown = GroomerProcess(["serve", "--host", "no-such-host.invalid", "--port", "8080", "--database", "sqlite:\(database.path)"],
                                     environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await unknown.run() != 0)
        #expect(unknown.stderr.contains("cannot listen on no-such-host.invalid:8080: unknown host"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database.path), "no SQLite file is left behind")
    }

    @Test func aBadFlagIsNamedAsTheFlagTheUserTyped() async throws {
        let port = GroomerProcess(["serve", "--port", "70000"], environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await port.run() != 0)
        #expect(port.stderr.contains("--port: expected 0–65535, got 70000"), "\(port.stderr)")
        #expect(!port.stderr.contains("GROOMER_PORT:"))
        let database = GroomerProcess(["serve", "--database", "groomer.sqlite"], environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await database.run() != 0)
        #expect(database.stderr.contains("for a SQLite file, sqlite:groomer.sqlite"), "\(database.stderr)")
        let version = GroomerProcess(["--version"])
        #expect(try await version.run() == 0)
        #expect(version.stdout.split(separator: ".").count == 3, "\(version.stdout)")
        let help = GroomerProcess(["serve", "--help"])
        #expect(try await help.run() == 0)
        for variable in ["GROOMER_WEBHOOK_SECRET", "GROOMER_DATABASE_URL", "GROOMER_GITHUB_TOKEN", "GROOMER_ADMIN_TOKEN", "GROOMER_LLM_URL"] {
            #expect(help.stdout.contains(variable), "serve --help names \(variable)")
        }
    }

    @Test func groomExitsNonZeroWhenTheGroomFailsAndLeavesNoStoreBehind() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let offline = GroomerProcess(["groom", "octo/repo#1"], directory: directory)
        #expect(try await offline.run() == 64)
        #expect(offline.stderr.contains("no GitHub credentials"), "\(offline.stderr)")
        #expect(offline.stderr.contains("USAGE: groomer groom"), "groom's own usage, not the top level's: \(offline.stderr)")
        try await FakeGitHub.with({ github in
            github.addRepository(RunHarness.repository, labels: RunHarness.labels)
            github.addIssue(RunHarness.repository, .init(number: 1, title: "It crashes on start", body: "Traceback (most recent call last)"))
        }) { (github: FakeGitHub) async throws -> Void in
            let environment = ["GROOMER_GITHUB_API_URL": github.baseURL, "GROOMER_TRIAGE": "rules"]
            let groomed = GroomerProcess(["groom", "\(RunHarness.repository)#1"],
                                         environment: environment.merging(["GROOMER_GITHUB_TOKEN": "test-token"]) { $1 }, directory: directory)
            #expect(try await groomed.run() == 0, "\(groomed.stderr)")
            #expect(groomed.stdout.contains("dry_run"), "\(groomed.stdout)")
            let refused = GroomerProcess(["groom", "\(RunHarness.repository)#1"],
                                         environment: environment.merging(["GROOMER_GITHUB_TOKEN": "a-bad-token"]) { $1 }, directory: directory)
            #expect(try await refused.run() == 1, "a failed groom is a failed command")
            #expect(refused.stdout.contains("failed"), "\(refused.stdout)")
            #expect(refused.stdout.contains("Bad credentials"))
            #expect(!refused.stdout.contains("GitHub: GitHub:"), "the prefix once")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "no store file in the working directory: \(left)")
    }

    @Test func withoutABotLoginServeAsksGitHubWhoItIsAndTakesItsOwnLabelEventsForNoHumansDecision() async throws {
        try await FakeGitHub.with { (github: FakeGitHub) async throws -> Void in
            github.state.withLock { $0.login = "octo-groomer" }
            let server = GroomerProcess(["serve", "--port", "0", "--database", "sqlite::memory:"],
                                        environment: ["GROOMER_WEBHOOK_SECRET": TestServer.secret, "GROOMER_GITHUB_API_URL": github.baseURL,
                                                      "GROOMER_GITHUB_TOKEN": "test-token", "GROOMER_ADMIN_TOKEN": "admin"])
            try server.start()
            defer { server.kill(SIGTERM) }
            let port = try await server.listeningPort()
            #expect(server.stderr.contains("groomer's own login, from GitHub"), "\(server.stderr)")
            #expect(github.requests.contains { $0.path == "/user" })
            // The same label removed twice: by the login GitHub named (groomer's own doing), then by a maintainer.
            for (guid, sender) in [("own", "octo-groomer"), ("human", "maintainer")] {
                let payload = try Fixtures.payload("issues/unlabeled.payload.json") { payload in
                    payload["label"] = ["name": "bug", "color": "ededed"]
                    payload["sender"] = ["login": sender, "type": "User"]
                }
                let reply = try await Client.deliver(payload, event: "issues", to: "http://127.0.0.1:\(port)/webhooks/github", guid: guid)
                #expect(reply.status == 202 || reply.status == 200, "\(reply.body)")
            }
            let history = try await Client.send("http://127.0.0.1:\(port)/api/repos/Codertocat/Hello-World/issues/1/history", method: .GET,
                                                headers: [("Authorization", "Bearer admin")])
            let decisions = history.json["label_decisions"] as? [[String: Any]] ?? []
            #expect(decisions.compactMap { $0["actor"] as? String } == ["maintainer"], "\(history.body)")
        }
    }

    @Test func serveSaysAtStartWhatItWillDoAndWhetherGitHubTakesItsToken() async throws {
        let offline = GroomerProcess(["serve", "--port", "0", "--database", "sqlite::memory:"], environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        try offline.start()
        _ = try await offline.listeningPort()
        #expect(offline.stderr.contains("no GitHub credentials: nothing is read from or written to GitHub"), "\(offline.stderr)")
        offline.kill(SIGTERM)
        _ = await offline.waitForExit()

        try await FakeGitHub.with { (github: FakeGitHub) async throws -> Void in
            let server = GroomerProcess(["serve", "--port", "0", "--database", "sqlite::memory:"],
                                        environment: ["GROOMER_WEBHOOK_SECRET": "s", "GROOMER_GITHUB_API_URL": github.baseURL,
                                                      "GROOMER_GITHUB_TOKEN": "a-revoked-token"])
            try server.start()
            defer { server.kill(SIGTERM) }
            _ = try await server.listeningPort()
            #expect(server.stderr.contains("dry run: plans are computed and recorded, no label is written"), "\(server.stderr)")
            #expect(await server.waitForStderr(containing: "GitHub refused the credentials"), "\(server.stderr)")
            #expect(server.stderr.contains("Bad credentials"))
            #expect(!server.stderr.contains("a-revoked-token"), "the token is never logged")
            #expect(github.requests.contains { $0.path == "/rate_limit" })
        }
    }

    @Test func appManifestPrintsWhatGitHubsManifestFlowTakes() async throws {
        let json = GroomerProcess(["app-manifest", "--url", "https://groomer.example.com"])
        #expect(try await json.run() == 0, "\(json.stderr)")
        let manifest = try JSONValue.parse(Data(json.stdout.utf8))
        #expect(manifest["hook_attributes"]?["url"] == .string("https://groomer.example.com/webhooks/github"))
        #expect(manifest["hook_attributes"]?["active"] == .bool(true))
        #expect(manifest["default_events"] == .array([.string("issues"), .string("issue_comment"), .string("push")]))
        #expect(manifest["default_permissions"] == .object(["issues": .string("write"), "metadata": .string("read"), "contents": .string("read")]))
        #expect(manifest["public"] == .bool(false))
        let page = GroomerProcess(["app-manifest", "--url", "https://groomer.example.com", "--org", "octo-org", "--name", "groomer <b>", "--html"])
        #expect(try await page.run() == 0, "\(page.stderr)")
        #expect(page.stdout.contains(#"action="https://github.com/organizations/octo-org/settings/apps/new" method="post""#))
        #expect(page.stdout.contains("&quot;hook_attributes&quot;"), "the manifest is escaped into the attribute")
        #expect(!page.stdout.contains("<b>"), "the name is escaped too")
        let plain = GroomerProcess(["app-manifest", "--url", "http://groomer.example.com"])
        #expect(try await plain.run() != 0)
        #expect(plain.stderr.contains("--url: expected https://HOST"))
    }

    @Test func aFileThatIsNotADatabaseIsNamed() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notADatabase = directory.appendingPathComponent("notes.txt")
        try String(repeating: "not a database\n", count: 200).write(to: notADatabase, atomically: true, encoding: .utf8)
        let groomer = GroomerProcess(["serve", "--port", "0", "--database", "sqlite:\(notADatabase.path)"], environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await groomer.run() != 0)
        #expect(groomer.stderr.contains(notADatabase.path), "\(groomer.stderr)")
        let missing = directory.appendingPathComponent("no/such/folder/groomer.sqlite").path
        let nowhere = GroomerProcess(["serve", "--port", "0", "--database", "sqlite:\(missing)"], environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await nowhere.run() != 0)
        #expect(nowhere.stderr.contains("(the folder \(directory.path)/no/such/folder does not exist)"), "\(nowhere.stderr)")
    }

    @Test func serveStopsOnABadConfigurationNamingFileAndKey() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("groomer.yaml")
        try "min_confidence: 1.5\n".write(to: config, atomically: true, encoding: .utf8)
        let groomer = GroomerProcess(["serve", "--port", "0", "--database", "sqlite::memory:", "--config", config.path],
                                     environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        let status = try await groomer.run()
        #expect(status != 0)
        #expect(groomer.stderr.contains("\(config.path): min_confidence: expected a number from 0 to 1"))
    }

    @Test func replayOfTheFixturesPrintsWhatEachDeliveryBecame() async throws {
        let groomer = GroomerProcess(["replay", Fixtures.payloads.path, Fixtures.deliveries.path])
        let status = try await groomer.run()
        #expect(status == 0, "\(groomer.stderr)")
        let lines = groomer.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("payloads/issues/opened.payload.json  issues.opened  queued: Codertocat/Hello-World#1 due ") })
        #expect(lines.contains { $0.contains("push/payload.json  push  ignored: event push does not lead to a groom") })
        #expect(lines.contains { $0.contains("ping/payload.json  ping  pong: hook 109948940") })
        #expect(lines.contains { $0.contains("issues-unlabeled-by-human.json  issues.unlabeled  label_decision: Codertocat/Hello-World#1 bug removed by Codertocat") })
        #expect(lines.contains { $0.hasPrefix("17 deliveries: 8 queued, 3 ignored, 1 cancelled, 3 label decision, 2 pong") })
        #expect(lines.contains("Label plans (learned triage, no model yet: rules, offline: issues as the payloads show them, nothing written):"))
        #expect(lines.contains { $0.hasPrefix("  Codertocat/Hello-World#1  dry_run  +documentation  (dry run: no GitHub credentials, so nothing is written)  [rules: ") }, "\(lines)")
        #expect(lines.contains("1 groomed, 0 skipped, 0 failed (in-memory store; set GROOMER_DATABASE_URL to keep the audit)"))
    }

    @Test func replayGroomsEveryPendingRequestBeyondARunsBatchAndPrintsJSONLines() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issues = directory.appendingPathComponent("issues")
        try FileManager.default.createDirectory(at: issues, withIntermediateDirectories: true)
        // 60 issues opened: more than one run's batch of 50.
        for number in 1...60 {
            let payload = try Fixtures.payload("issues/opened.payload.json") { payload in
                var issue = payload["issue"] as! [String: Any]
                issue["number"] = number
                issue["title"] = "It crashes on start, issue \(number)"
                payload["issue"] = issue
            }
            try payload.write(to: issues.appendingPathComponent(String(format: "%03d.json", number)))
        }
        let groomer = GroomerProcess(["replay", "--json", directory.path])
        #expect(try await groomer.run() == 0, "\(groomer.stderr)")
        let objects = groomer.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8)) }
        #expect(objects.count == groomer.stdout.split(separator: "\n").count, "every line is one JSON object")
        let deliveries = objects.filter { $0["kind"] == .string("delivery") }
        let plans = objects.filter { $0["kind"] == .string("plan") }
        #expect(deliveries.count == 60)
        #expect(deliveries.allSatisfy { $0["outcome"] == .string("queued") })
        #expect(plans.count == 60, "all 60 groomed, not the first 50")
        #expect(Set(plans.compactMap { $0["issue"]?.string }).count == 60)
        #expect(plans.allSatisfy { $0["dry_run"] == .bool(true) && $0["triage"] == .string("rules") })
    }

    @Test func replayFeedsDeliveriesInTheOrderGitHubSentThemNotInNameOrder() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issues = directory.appendingPathComponent("issues")
        try FileManager.default.createDirectory(at: issues, withIntermediateDirectories: true)
        // By name the deletion comes first; by time it comes after the opening.
        let deleted = try Fixtures.payload("issues/deleted.payload.json") { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["updated_at"] = "2026-03-02T10:00:00Z"
            payload["issue"] = issue
        }
        let opened = try Fixtures.payload("issues/opened.payload.json") { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["updated_at"] = "2026-03-01T10:00:00Z"
            payload["issue"] = issue
        }
        try deleted.write(to: issues.appendingPathComponent("a-deleted.json"))
        try opened.write(to: issues.appendingPathComponent("b-opened.json"))
        let groomer = GroomerProcess(["replay", directory.path])
        #expect(try await groomer.run() == 0, "\(groomer.stderr)")
        let lines = groomer.stdout.split(separator: "\n").map(String.init)
        let openedAt = try #require(lines.firstIndex { $0.contains("b-opened.json") })
        let deletedAt = try #require(lines.firstIndex { $0.contains("a-deleted.json") })
        #expect(openedAt < deletedAt, "\(lines)")
        #expect(lines[deletedAt].contains("pending request cancelled"))
        #expect(lines[openedAt].contains("due 15 s after its last event"))
    }

    @Test func replayIntoAStoreRecognisesARedelivery() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["GROOMER_DATABASE_URL": "sqlite:\(directory.path)/groomer.sqlite"]
        let first = GroomerProcess(["replay", Fixtures.deliveries.path], environment: environment)
        #expect(try await first.run() == 0)
        #expect(first.stdout.contains("5 deliveries: 3 queued, 1 label decision, 1 pong"))
        let second = GroomerProcess(["replay", Fixtures.deliveries.path], environment: environment)
        #expect(try await second.run() == 0)
        #expect(second.stdout.contains("5 deliveries: 5 duplicate"))
    }

    @Test func replayExitsNonZeroOnlyForFilesThatAreNotDeliveries() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issues = directory.appendingPathComponent("issues")
        try FileManager.default.createDirectory(at: issues, withIntermediateDirectories: true)
        try "{ truncated".write(to: issues.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        try #"{"action":"opened"}"#.write(to: issues.appendingPathComponent("no-issue.json"), atomically: true, encoding: .utf8)
        let groomer = GroomerProcess(["replay", directory.path, directory.appendingPathComponent("missing.json").path])
        #expect(try await groomer.run() == 1)
        #expect(groomer.stderr.contains("broken.json: not valid JSON"))
        #expect(groomer.stderr.contains("missing.json: no such file or folder"))
        #expect(groomer.stdout.contains("no-issue.json  issues.opened  rejected: payload lacks repository.full_name"))

        let valid = GroomerProcess(["replay", issues.appendingPathComponent("no-issue.json").path])
        #expect(try await valid.run() == 0, "a rejected delivery is an outcome, not a failure")
    }

    @Test func replayToARunningServerSignsAndPostsLikeGitHub() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/served.sqlite"
        let server = GroomerProcess(["serve", "--port", "0"], environment: ["GROOMER_WEBHOOK_SECRET": "replay-secret", "GROOMER_DATABASE_URL": database])
        try server.start()
        defer { server.kill(SIGTERM) }
        let port = try await server.listeningPort()

        let replay = GroomerProcess(["replay", "--to", "http://127.0.0.1:\(port)/webhooks/github", Fixtures.deliveries.path, Fixtures.payloads.appendingPathComponent("push").path],
                                    environment: ["GROOMER_WEBHOOK_SECRET": "replay-secret"])
        #expect(try await replay.run() == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("6 deliveries: 3 queued, 1 ignored, 1 label decision, 1 pong"), "\(replay.stdout)")

        let wrongSecret = GroomerProcess(["replay", "--to", "http://127.0.0.1:\(port)/webhooks/github", Fixtures.deliveries.path],
                                         environment: ["GROOMER_WEBHOOK_SECRET": "not-the-secret"])
        #expect(try await wrongSecret.run() == 0)
        #expect(wrongSecret.stdout.contains("5 deliveries: 5 rejected"))
        #expect(wrongSecret.stdout.contains("HTTP 401"))
        // The likeliest setup mistake leaves a trace: one warning (rate-limited) naming the hook and event, never the signature.
        #expect(await server.waitForStderr(containing: "webhook delivery refused"), "\(server.stderr)")
        let warnings = server.stderr.split(separator: "\n").filter { $0.contains("webhook delivery refused") }
        #expect(warnings.count == 1, "5 refusals from one hook, one warning: \(warnings)")
        #expect(warnings.first?.contains("hook_id=109948940") == true)
        #expect(warnings.first?.contains("GROOMER_WEBHOOK_SECRET") == true)
        #expect(!server.stderr.contains("sha256="), "the signature is never logged")

        let store = try await SQLiteStore(path: "\(directory.path)/served.sqlite")
        #expect(try await store.deliveryCount() == 6)
        #expect(try await store.delivery(hookID: "109948940", guid: "72d3162e-cc78-11e3-81ab-4c9367dc0958")?.outcome == .queued)
        await store.close()
    }

    @Test func replayToAnUnreachableServerExitsTwo() async throws {
        let groomer = GroomerProcess(["replay", "--to", "http://127.0.0.1:9/webhooks/github", Fixtures.deliveries.appendingPathComponent("ping.json").path],
                                     environment: ["GROOMER_WEBHOOK_SECRET": "s"])
        #expect(try await groomer.run() == 2)
        #expect(groomer.stdout.contains("failed: cannot connect"))
    }
}
