import Foundation
@_spi(Testing) @testable import GroomerCore
import NIOHTTP1
import Testing

/// One request per row of the README's status table, over real HTTP on loopback.
@Suite struct ReceiverStatusTests {
    let opened = try! Fixtures.payload("issues/opened.payload.json")

    @Test func wrongMethodIs405WithAllowHeader() async throws {
        try await TestServer.with { server in
            for method in [HTTPMethod.GET, .PUT, .DELETE, .PATCH] {
                let reply = try await Client.send(server.webhookURL, method: method)
                #expect(reply.status == 405)
                #expect(reply.headers["Allow"].first == "POST")
                #expect(reply.json["error"] as? String == "method not allowed")
            }
        }
    }

    @Test func missingMalformedOrWrongSignatureIs401() async throws {
        try await TestServer.with { server in
            let good = server.secrets.sign(opened)
            let base = [("Content-Type", "application/json"), ("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", UUID().uuidString)]
            let cases: [(String, [(String, String)])] = [
                ("missing", base),
                ("sha1 only", base + [("X-Hub-Signature", "sha1=d03207e4b030cf234e3447bac4d93add4c6643d8")]),
                ("malformed", base + [("X-Hub-Signature-256", "sha256=xyz")]),
                ("truncated", base + [("X-Hub-Signature-256", String(good.dropLast(2)))]),
                ("wrong secret", base + [("X-Hub-Signature-256", WebhookSecrets(["other"]).sign(opened))]),
            ]
            for (name, headers) in cases {
                let reply = try await Client.send(server.webhookURL, headers: headers, body: opened)
                #expect(reply.status == 401, "\(name)")
                #expect(reply.json["error"] is String, "\(name)")
                let expectedHex = String(good.dropFirst(7))
                #expect(!reply.body.contains(expectedHex), "\(name) must not echo the expected signature")
                #expect(!reply.body.contains(TestServer.secret))
            }
            #expect(try await server.store.deliveryCount() == 0)
        }
    }

    @Test func aOneByteChangeOfTheBodyIs401() async throws {
        try await TestServer.with { server in
            var tampered = opened
            tampered[tampered.count / 2] ^= 0x20
            let headers = [("Content-Type", "application/json"), ("X-GitHub-Event", "issues"),
                           ("X-GitHub-Delivery", UUID().uuidString), ("X-Hub-Signature-256", server.secrets.sign(opened))]
            let tamperedReply = try await Client.send(server.webhookURL, headers: headers, body: tampered)
            #expect(tamperedReply.status == 401)
            let intactReply = try await Client.send(server.webhookURL, headers: headers, body: opened)
            #expect(intactReply.status == 202)
        }
    }

    @Test func bodyOverTheCapIs413() async throws {
        try await TestServer.with { server in
            let big = Data(count: WebhookReceiver.maximumBodySize + 1)
            let reply = try await Client.deliver(big, event: "issues", to: server.webhookURL)
            #expect(reply.status == 413)
            #expect(reply.json["error"] as? String == "body larger than 25 MiB")
            #expect(try await server.store.deliveryCount() == 0)
        }
    }

    @Test func bodyExactlyAtTheCapIsRead() async throws {
        try await TestServer.with { server in
            var atCap = Data(count: WebhookReceiver.maximumBodySize)
            atCap.replaceSubrange(0..<1, with: Data("[".utf8))
            let reply = try await Client.deliver(atCap, event: "issues", to: server.webhookURL)
            #expect(reply.status == 400, "read in full, verified, then rejected as JSON")
        }
    }

    @Test func unsupportedContentTypeIs415() async throws {
        try await TestServer.with { server in
            for type in ["text/plain", "application/xml", "multipart/form-data"] {
                let reply = try await Client.deliver(opened, event: "issues", to: server.webhookURL, contentType: type)
                #expect(reply.status == 415, "\(type)")
            }
            let missing = [("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", UUID().uuidString),
                           ("X-Hub-Signature-256", server.secrets.sign(opened))]
            #expect(try await Client.send(server.webhookURL, headers: missing, body: opened).status == 415)
        }
    }

    @Test func mediaTypeIsReadWithoutParametersSpacesOrLetterCase() {
        typealias MediaType = WebhookReceiver.MediaType
        for value in ["application/json", "Application/JSON", " application/json\t", "application/json; charset=utf-8",
                      "application/json;charset=UTF-8", "APPLICATION/JSON ;q=1"] {
            #expect(MediaType(contentType: value) == .json, "\(value)")
        }
        for value in ["application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded; charset=utf-8"] {
            #expect(MediaType(contentType: value) == .form, "\(value)")
        }
        // Near misses: a control byte one bit from '/', a suffix, a prefix, nothing at all.
        for value in ["application\u{0F}json", "application/jsonx", "application/json-seq", "xapplication/json", "application/",
                      "", " ", ";", "text/plain", "application/x-www-form-urlencodedx", "application/ json"] {
            #expect(MediaType(contentType: value) == nil, "\(value.debugDescription)")
        }
    }

    @Test func jsonWithCharsetIsAccepted() async throws {
        try await TestServer.with { server in
            let reply = try await Client.deliver(opened, event: "issues", to: server.webhookURL, contentType: "application/json; charset=utf-8")
            #expect(reply.status == 202)
        }
    }

    @Test func formBodyIsVerifiedRawThenReadFromThePayloadField() async throws {
        try await TestServer.with { server in
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encoded = String(decoding: opened, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed)!
            let form = Data("payload=\(encoded)".utf8)
            let reply = try await Client.deliver(form, event: "issues", to: server.webhookURL, contentType: "application/x-www-form-urlencoded")
            #expect(reply.status == 202)
            let noPayload = try await Client.deliver(Data("other=1".utf8), event: "issues", to: server.webhookURL,
                                                     contentType: "application/x-www-form-urlencoded")
            #expect(noPayload.status == 400)
        }
    }

    @Test func missingGitHubHeadersAre400AfterTheSignature() async throws {
        try await TestServer.with { server in
            let signature = ("X-Hub-Signature-256", server.secrets.sign(opened))
            let json = ("Content-Type", "application/json")
            let noEvent = try await Client.send(server.webhookURL, headers: [json, signature, ("X-GitHub-Delivery", "g-1")], body: opened)
            #expect(noEvent.status == 400)
            #expect((noEvent.json["error"] as? String)?.contains("X-GitHub-Event") == true)
            let noDelivery = try await Client.send(server.webhookURL, headers: [json, signature, ("X-GitHub-Event", "issues")], body: opened)
            #expect(noDelivery.status == 400)
            #expect((noDelivery.json["error"] as? String)?.contains("X-GitHub-Delivery") == true)
            // Unsigned and without headers: the signature is checked first.
            #expect(try await Client.send(server.webhookURL, headers: [json], body: opened).status == 401)
        }
    }

    @Test func invalidJSONOrMissingFieldsIs400AndRecordedAsRejected() async throws {
        try await TestServer.with { server in
            let cases: [(String, Data)] = [
                ("not json", Data("{not json".utf8)),
                ("not an object", Data("[1,2,3]".utf8)),
                ("no issue", try Fixtures.payload("issues/opened.payload.json") { $0["issue"] = nil }),
                ("issue number is a string", try Fixtures.payload("issues/opened.payload.json") {
                    var issue = $0["issue"] as! [String: Any]
                    issue["number"] = "one"
                    $0["issue"] = issue
                }),
                ("no repository", try Fixtures.payload("issues/opened.payload.json") { $0["repository"] = nil }),
            ]
            for (name, body) in cases {
                let guid = "rejected-\(name.replacingOccurrences(of: " ", with: "-"))"
                let reply = try await Client.deliver(body, event: "issues", to: server.webhookURL, guid: guid)
                #expect(reply.status == 400, "\(name)")
                #expect(reply.json["error"] is String, "\(name)")
                let record = try await server.store.delivery(hookID: "109948940", guid: guid)
                #expect(record?.outcome == .rejected, "\(name)")
                #expect(record?.reason != nil, "\(name)")
            }
            #expect(try await server.store.pendingRequests().isEmpty)
        }
    }

    @Test func pingIs200AndRecordsTheHook() async throws {
        try await TestServer.with { server in
            let reply = try await Client.deliver(try Fixtures.payload("ping/payload.json"), event: "ping", to: server.webhookURL, guid: "ping-1")
            #expect(reply.status == 200)
            #expect(reply.json["hook_id"] as? Int == 109948940, "a number, as GitHub sends it")
            #expect(try await server.store.delivery(hookID: "109948940", guid: "ping-1")?.outcome == .pong)
        }
    }

    @Test func aPingWithoutHookIDInItsPayloadTakesTheHeaders() async throws {
        try await TestServer.with { server in
            let reply = try await Client.deliver(Data(#"{"zen":"Keep it logically awesome."}"#.utf8), event: "ping", to: server.webhookURL, hookID: "77")
            #expect(reply.status == 200)
            #expect(reply.json["hook_id"] as? Int == 77)
            let bare = try await Client.deliver(Data(#"{"zen":"x"}"#.utf8), event: "ping", to: server.webhookURL, hookID: nil)
            #expect(bare.status == 400)
        }
    }

    @Test func redeliveredGUIDIsRecordedOnce() async throws {
        try await TestServer.with { server in
            let first = try await Client.deliver(opened, event: "issues", to: server.webhookURL, guid: "same-guid")
            #expect(first.status == 202)
            let again = try await Client.deliver(opened, event: "issues", to: server.webhookURL, guid: "same-guid")
            #expect(again.status == 200)
            #expect(again.json["duplicate"] as? Bool == true)
            #expect(try await server.store.deliveryCount() == 1)
            let request = try await server.store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 1))
            #expect(request?.events == 1)
            // The same GUID from another hook is another delivery.
            let otherHook = try await Client.deliver(opened, event: "issues", to: server.webhookURL, guid: "same-guid", hookID: "42")
            #expect(otherHook.status == 202)
        }
    }

    @Test func eventThatLeadsNowhereIs200Ignored() async throws {
        try await TestServer.with { server in
            let reply = try await Client.deliver(try Fixtures.payload("push/payload.json"), event: "push", to: server.webhookURL, guid: "push-1")
            #expect(reply.status == 200)
            #expect(reply.json["ignored"] as? String == "event push does not lead to a groom")
            #expect(try await server.store.delivery(hookID: "109948940", guid: "push-1")?.outcome == .ignored)
        }
    }

    @Test func groomingEventIs202AndCommittedBeforeTheAnswer() async throws {
        try await TestServer.with { server in
            let reply = try await Client.deliver(opened, event: "issues", to: server.webhookURL)
            #expect(reply.status == 202)
            let queued = reply.json["queued"] as? [String: Any]
            #expect(queued?["repository"] as? String == "Codertocat/Hello-World")
            #expect(queued?["issue"] as? Int == 1)
            #expect(queued?["due_at"] as? String == (server.clock.now() + 15).iso8601)
            #expect(try await server.store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 1))?.status == .pending)
        }
    }

    @Test func storeThatCannotCommitIs503AndNothingIsHalfWritten() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("groomer.sqlite").path
        let store = try await SQLiteStore(path: path, busyTimeout: 0.2)
        try await store.migrate()
        let blocker = try await SQLiteStore(path: path)
        try await TestServer.with(store: store) { server in
            try await blocker.holdWriteLock {
                let reply = try await Client.deliver(opened, event: "issues", to: server.webhookURL, guid: "during-outage")
                #expect(reply.status == 503)
                #expect(reply.json["error"] is String)
            }
            #expect(try await server.store.delivery(hookID: "109948940", guid: "during-outage") == nil)
            #expect(try await server.store.pendingRequests().isEmpty)
            let redelivered = try await Client.deliver(opened, event: "issues", to: server.webhookURL, guid: "during-outage")
            #expect(redelivered.status == 202)
        }
        await blocker.close()
    }

    @Test func healthAndReadiness() async throws {
        try await TestServer.with { server in
            let health = try await Client.send("http://127.0.0.1:\(server.port)/healthz", method: .GET)
            #expect(health.status == 200)
            let ready = try await Client.send("http://127.0.0.1:\(server.port)/readyz", method: .GET)
            #expect(ready.status == 200)
        }
    }
}
