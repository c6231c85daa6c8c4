import Foundation
import GroomerCore
import Testing

/// Which event and action queues, cancels, records a decision or is ignored, against the real recorded payloads, over real HTTP.
@Suite struct EventMappingTests {
    let issue1 = IssueKey(repository: "Codertocat/Hello-World", number: 1)
    /// The backend of the tests parameterised by something else; the rest take both.
    let backend = Backend.sqlite

    @Test(arguments: ["issues/opened.payload.json", "issues/reopened.payload.json", "issues/edited.payload.json",
                      "issues/opened.with-empty-body.payload.json"])
    func issueActivityQueuesAGroomRequest(_ fixture: String) async throws {
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(try Fixtures.payload(fixture), event: "issues", to: server.webhookURL)
            #expect(reply.status == 202)
            let request = try await server.store.groomRequest(issue1)
            #expect(request?.status == .pending)
            #expect(request?.snapshot?.title == "Spelling error in the README file")
        }
    }

    @Test(arguments: Backend.all) func aHumanCommentOnAnIssueQueuesAGroomRequest(_ backend: Backend) async throws {
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(try Fixtures.payload("issue_comment/created.payload.json"), event: "issue_comment", to: server.webhookURL)
            #expect(reply.status == 202)
            #expect(try await server.store.groomRequest(issue1)?.status == .pending)
        }
    }

    @Test(arguments: Backend.all) func editedCommentsAreIgnored(_ backend: Backend) async throws {
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(try Fixtures.payload("issue_comment/edited.payload.json"), event: "issue_comment", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] != nil)
        }
    }

    @Test(arguments: Backend.all) func aCommentOnAPullRequestIsIgnored(_ backend: Backend) async throws {
        let onPullRequest = try Fixtures.payloadOnAPullRequest("issue_comment/created.payload.json")
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(onPullRequest, event: "issue_comment", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] as? String == "comment on a pull request")
            #expect(try await server.store.groomRequest(issue1) == nil)
        }
    }

    @Test(arguments: Backend.all) func aBotsCommentIsIgnored(_ backend: Backend) async throws {
        let byBot = try Fixtures.payload("issue_comment/created.payload.json") { payload in
            payload["sender"] = ["login": "dependabot[bot]", "type": "Bot", "id": 49699333]
        }
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(byBot, event: "issue_comment", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(try await server.store.groomRequest(issue1) == nil)
        }
    }

    @Test(arguments: Backend.all) func aHumanLabelChangeIsRememberedAndNotGroomed(_ backend: Backend) async throws {
        try await TestServer.with(backend: backend) { server in
            let added = try await Client.deliver(try Fixtures.payload("issues/labeled.payload.json"), event: "issues", to: server.webhookURL)
            #expect(added.status == 200)
            #expect(added.json["label"] as? String == "bug")
            let removed = try await Client.deliver(try Fixtures.payload("issues/unlabeled.payload.json"), event: "issues", to: server.webhookURL)
            #expect(removed.status == 200)
            let decisions = try await server.store.labelDecisions(for: issue1)
            #expect(decisions.map(\.change) == [.added, .removed])
            #expect(decisions.allSatisfy { $0.label == "bug" && $0.actor == "Codertocat" })
            #expect(try await server.store.groomRequest(issue1) == nil)
        }
    }

    @Test(arguments: [("groomer-bot", "User"), ("renovate[bot]", "Bot"), ("someone", "Bot"), ("GROOMER-BOT", "User")])
    func aBotsOwnLabelChangeIsIgnored(login: String, type: String) async throws {
        let byBot = try Fixtures.payload("issues/unlabeled.payload.json") { payload in
            payload["sender"] = ["login": login, "type": type, "id": 1]
        }
        try await TestServer.with(backend: backend, botLogin: "groomer-bot") { server in
            let reply = try await Client.deliver(byBot, event: "issues", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect((reply.json["ignored"] as? String)?.hasPrefix("label change by a bot") == true)
            #expect(try await server.store.labelDecisions(for: issue1).isEmpty)
        }
    }

    @Test(arguments: ["closed", "deleted", "transferred"])
    func anIssueThatLeavesCancelsItsPendingRequest(_ action: String) async throws {
        let leaving = try Fixtures.payload("issues/deleted.payload.json") { $0["action"] = action }
        try await TestServer.with(backend: backend) { server in
            _ = try await Client.deliver(try Fixtures.payload("issues/opened.payload.json"), event: "issues", to: server.webhookURL)
            let reply = try await Client.deliver(leaving, event: "issues", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["cancelled"] as? String == "Codertocat/Hello-World#1")
            #expect(try await server.store.groomRequest(issue1)?.status == .cancelled)
            // Leaving again, with nothing pending: nothing is said to be cancelled.
            let again = try await Client.deliver(leaving, event: "issues", to: server.webhookURL)
            #expect(again.status == 200)
            #expect(again.json["cancelled"] == nil)
            #expect((again.json["ignored"] as? String)?.hasSuffix("nothing was pending") == true, "\(again.body)")
            // Reopened later: a new window starts.
            server.clock.advance(by: 1_000)
            _ = try await Client.deliver(try Fixtures.payload("issues/reopened.payload.json"), event: "issues", to: server.webhookURL)
            let revived = try await server.store.groomRequest(issue1)
            #expect(revived?.status == .pending)
            #expect(revived?.events == 1)
            #expect(revived?.firstEventAt == server.clock.now())
        }
    }

    @Test(arguments: [("push", "push/payload.json"), ("pull_request", "pull_request/opened.payload.json")])
    func otherEventsAreIgnored(event: String, fixture: String) async throws {
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(try Fixtures.payload(fixture), event: event, to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] as? String == "event \(event) does not lead to a groom")
            #expect(try await server.store.pendingRequests().isEmpty)
        }
    }

    @Test(arguments: Backend.all) func anIssueThatIsAPullRequestIsIgnored(_ backend: Backend) async throws {
        let pullRequestIssue = try Fixtures.payloadOnAPullRequest("issues/opened.payload.json")
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(pullRequestIssue, event: "issues", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] as? String == "issue is a pull request")
        }
    }

    @Test(arguments: Backend.all) func otherIssueActionsAreIgnored(_ backend: Backend) async throws {
        let assigned = try Fixtures.payload("issues/opened.payload.json") { $0["action"] = "assigned" }
        try await TestServer.with(backend: backend) { server in
            let reply = try await Client.deliver(assigned, event: "issues", to: server.webhookURL)
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] as? String == "issues action assigned does not lead to a groom")
        }
    }

    @Test func theIssueCopyIsCutToGitHubsOwnLimits() throws {
        let huge = try Fixtures.payload("issues/opened.payload.json") { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["title"] = String(repeating: "t", count: 5_000)
            issue["body"] = String(repeating: "b", count: 200_000)
            payload["issue"] = issue
        }
        let mapped = EventMapper().map(event: "issues", payload: huge, guid: "g", receivedAt: Date())
        guard case .groom(_, _, let snapshot?) = mapped.effect else {
            Issue.record("expected a groom request, got \(mapped.effect)")
            return
        }
        #expect(snapshot.title.count == 1_024)
        #expect(snapshot.body.count == 65_536)
    }

    @Test func botDetectionFollowsTheSpec() {
        let mapper = EventMapper(botLogin: "triage-bot")
        #expect(mapper.isBot(login: "anyone", type: "Bot"))
        #expect(mapper.isBot(login: "github-actions[bot]", type: "User"))
        #expect(mapper.isBot(login: "Triage-Bot", type: "User"))
        #expect(!mapper.isBot(login: "octocat", type: "User"))
        #expect(!EventMapper().isBot(login: "triage-bot", type: "User"))
    }
}
