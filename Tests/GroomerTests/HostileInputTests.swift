import Foundation
@testable import GroomerCore
import Testing

/// The live receiver against hostile input: malformed and mutated bodies, wrong types in every
/// field the mapper reads, huge values, hostile headers and slow clients, with valid and invalid
/// signatures. Every answer is the right 4xx (or a 2xx for what is merely unusual), never a 5xx;
/// the server still answers `/healthz` and real deliveries afterwards.
@Suite struct HostileInputTests {
    /// What a bad body may be answered with once its signature holds: accepted, ignored or named.
    static let acceptable: Set<Int> = [200, 202, 400]

    @Test func everyMalformedBodyIs400WhenSignedAnd401WhenNot() async throws {
        try await TestServer.with { server in
            for sample in HostileJSON.rejected {
                let signed = try await Client.deliver(sample.bytes, event: "issues", to: server.webhookURL)
                #expect(signed.status == 400, "\(sample.name): \(signed.body)")
                #expect(signed.json["error"] as? String == "body is not valid JSON", "\(sample.name)")
                let forged = try await Client.deliver(sample.bytes, event: "issues", to: server.webhookURL, secret: "not the secret")
                #expect(forged.status == 401, "\(sample.name)")
            }
            try await Self.expectHealthy(server)
        }
    }

    @Test func wrongTypesInEveryFieldTheMapperReads() async throws {
        let fields: [[String]] = [
            ["action"], ["sender"], ["sender", "login"], ["sender", "type"], ["repository"], ["repository", "full_name"],
            ["installation"], ["installation", "id"], ["issue"], ["issue", "number"], ["issue", "title"], ["issue", "body"],
            ["issue", "state"], ["issue", "locked"], ["issue", "labels"], ["issue", "user"], ["issue", "user", "login"],
            ["issue", "pull_request"], ["issue", "updated_at"], ["label"], ["label", "name"], ["hook_id"], ["hook"],
        ]
        let values: [Any] = [NSNull(), 0, -1, 1.5, 1e300, "", "x", true, [Any](), [String: Any](), [1, "a", NSNull()]]
        var deliveries: [(name: String, event: String, payload: Data)] = []
        for fixture in ["issues/opened.payload.json", "issues/labeled.payload.json", "issue_comment/created.payload.json"] {
            let event = fixture.hasPrefix("issue_comment") ? "issue_comment" : "issues"
            for path in fields {
                for value in values {
                    deliveries.append(("\(fixture) \(path) = \(value)", event, try Fixtures.payload(fixture) { Fixtures.set(&$0, path, value) }))
                }
            }
        }
        try await TestServer.with { [deliveries] server in
            var statuses: [Int: Int] = [:]
            for delivery in deliveries {
                let reply = try await Client.deliver(delivery.payload, event: delivery.event, to: server.webhookURL)
                statuses[reply.status, default: 0] += 1
                #expect(Self.acceptable.contains(reply.status), "\(delivery.name): \(reply.status) \(reply.body)")
            }
            #expect(statuses[400, default: 0] > 0 && statuses[202, default: 0] > 0, "both kinds of answer: \(statuses)")
            try await Self.expectHealthy(server)
        }
    }

    @Test func randomMutationsOfRealPayloadsNeverAnswer5xx() async throws {
        var generator = SplitMix64(seed: 0x686F_7374_696C_65)
        let seeds = try Fixtures.allPayloadFiles().map { try Data(contentsOf: $0) }
        let bodies = (0..<400).map { round in HostileJSON.mutate(seeds[round % seeds.count], using: &generator) }
        try await TestServer.with { server in
            for (round, body) in bodies.enumerated() {
                let event = ["issues", "issue_comment", "ping", "push"][round % 4]
                let reply = try await Client.deliver(body, event: event, to: server.webhookURL)
                #expect(Self.acceptable.contains(reply.status), "\(HostileJSON.describe(body)): \(reply.status) \(reply.body)")
            }
            try await Self.expectHealthy(server)
        }
    }

    @Test func hugeStringsAndNumbers() async throws {
        let cases: [(name: String, payload: Data, expected: Int)] = try [
            ("a 5 MB title", Fixtures.payload("issues/opened.payload.json") { Fixtures.set(&$0, ["issue", "title"], String(repeating: "t", count: 5_000_000)) }, 202),
            ("a 20 MB body", Fixtures.payload("issues/opened.payload.json") { Fixtures.set(&$0, ["issue", "body"], String(repeating: "b", count: 20_000_000)) }, 202),
            ("1e308", Fixtures.payload("issues/opened.payload.json") { Fixtures.set(&$0, ["issue", "number"], 1e308) }, 400),
        ]
        try await TestServer.with { [cases] server in
            for (name, payload, expected) in cases {
                let reply = try await Client.deliver(payload, event: "issues", to: server.webhookURL)
                #expect(reply.status == expected, "\(name): \(reply.body)")
            }
            let digits = Data((#"{"action":"opened","issue":{"number":"# + String(repeating: "7", count: 10_000) + "}}").utf8)
            #expect(try await Client.deliver(digits, event: "issues", to: server.webhookURL).status == 400)
            let queued = try #require(try await server.store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: 1)))
            #expect((queued.snapshot?.title.count ?? 0) <= EventMapper.maximumTitleLength)
            try await Self.expectHealthy(server)
        }
    }

    @Test func hostileHeaders() async throws {
        // The idle timeout closes the connections a hostile request leaves hanging; long enough
        // that on a loaded machine it never closes one before the server has answered it (at
        // 2 s a fresh-clone CI run once saw the over-the-cap request closed without its 413).
        try await TestServer.with(limits: .init(idleTimeout: .seconds(5))) { server in
            let body = try Fixtures.payload("issues/opened.payload.json")
            let signature = server.secrets.sign(body)
            func head(_ extra: [String], event: String? = "issues", delivery: String? = "d-\(UUID().uuidString)",
                      signature sig: String? = signature, length: Int? = body.count) -> [String] {
                var lines = ["POST /webhooks/github HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Connection: close"]
                if let event { lines.append("X-GitHub-Event: \(event)") }
                if let delivery { lines.append("X-GitHub-Delivery: \(delivery)") }
                if let sig { lines.append("X-Hub-Signature-256: \(sig)") }
                if let length { lines.append("Content-Length: \(length)") }
                return lines + extra
            }
            let cases: [(String, [UInt8], Set<Int?>)] = [
                ("empty event header", RawHTTP.request(head(["X-GitHub-Event:"], event: nil), body: Array(body)), [400]),
                ("repeated event header", RawHTTP.request(head(["X-GitHub-Event: ping"]), body: Array(body)), [400]),
                ("repeated delivery header", RawHTTP.request(head(["X-GitHub-Delivery: other"]), body: Array(body)), [400]),
                ("repeated signature header", RawHTTP.request(head(["X-Hub-Signature-256: \(signature)"]), body: Array(body)), [401]),
                ("empty signature header", RawHTTP.request(head(["X-Hub-Signature-256:"], signature: nil), body: Array(body)), [401]),
                ("64 KiB event header", RawHTTP.request(head([], event: String(repeating: "e", count: 65_536)), body: Array(body)), [400, 431, nil]),
                ("1 MiB header", RawHTTP.request(head(["X-Padding: " + String(repeating: "p", count: 1 << 20)]), body: Array(body)), [202, 400, 431, nil]),
                ("bare LF inside a header value", RawHTTP.request(head(["X-GitHub-Hook-ID: 1\nX-Evil: 1"]), body: Array(body)), [400, nil]),
                ("bare CR inside a header value", RawHTTP.request(head(["X-GitHub-Hook-ID: 1\rX-Evil: 1"]), body: Array(body)), [400, nil]),
                ("CR LF in the event name", RawHTTP.request(head([], event: "issues\r\n X"), body: Array(body)), [400, nil]),
                ("non-numeric Content-Length", RawHTTP.request(head(["Content-Length: ten"], length: nil), body: Array(body)), [400, nil]),
                ("negative Content-Length", RawHTTP.request(head(["Content-Length: -1"], length: nil), body: Array(body)), [400, nil]),
                ("two different Content-Lengths", RawHTTP.request(head(["Content-Length: 5"]), body: Array(body)), [400, nil]),
                ("Content-Length over the cap", RawHTTP.request(head([], length: WebhookReceiver.maximumBodySize + 1)), [413]),
                ("malformed chunked body", RawHTTP.request(head(["Transfer-Encoding: chunked"], length: nil)) + Array("zz\r\n{}\r\n0\r\n\r\n".utf8), [400, nil]),
                ("garbage request line", Array("GARBAGE\r\n\r\n".utf8), [400, nil]),
            ]
            for (name, bytes, allowed) in cases {
                let answer = await RawHTTP.exchange(port: server.port, [bytes], timeout: 10)
                #expect(allowed.contains(answer.status), "\(name): \(answer.status.map(String.init) ?? "closed without an answer") \(answer.text.prefix(200))")
                #expect((answer.status ?? 0) < 500, "\(name)")
                if ProcessInfo.processInfo.environment["GROOMER_TEST_VERBOSE"] != nil { print("hostile header: \(name) -> \(answer.status.map(String.init) ?? "closed")") }
            }
            try await Self.expectHealthy(server)
        }
    }

    @Test func slowClientsAreCutOffWhileOthersAreServed() async throws {
        try await TestServer.with(limits: .init(bodyDeadline: .seconds(2), idleTimeout: .seconds(1))) { server in
            let body = Array(try Fixtures.payload("issues/opened.payload.json"))
            let head = RawHTTP.request([
                "POST /webhooks/github HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "X-GitHub-Event: issues",
                "X-GitHub-Delivery: slow", "X-Hub-Signature-256: \(server.secrets.sign(Data(body)))", "Content-Length: \(body.count)",
            ])
            // One byte every 300 ms: never idle, but the body's deadline ends it.
            async let trickle = RawHTTP.exchange(port: server.port, [head] + body.prefix(40).map { [$0] }, pause: .milliseconds(300), timeout: 20)
            // Headers, then silence: the idle timeout ends it.
            async let stalled = RawHTTP.exchange(port: server.port, [head + body.prefix(10)], timeout: 20)
            // Half a request line, then silence.
            async let partial = RawHTTP.exchange(port: server.port, [Array("POST /webhooks/gi".utf8)], timeout: 20)
            for _ in 0..<5 { #expect(try await Client.deliver(Data(body), event: "issues", to: server.webhookURL).status == 202) }
            let (slow, silent, half) = await (trickle, stalled, partial)
            #expect(slow.status == 408 || slow.status == nil, "\(slow.text)")
            #expect(slow.seconds < 15)
            #expect(silent.status == nil || silent.status == 408, "closed by the idle timeout: \(silent.text)")
            #expect(silent.seconds < 10)
            #expect(half.status == nil || (half.status ?? 0) < 500)
            #expect(half.seconds < 10)
            #expect(try await server.store.delivery(hookID: "", guid: "slow") == nil, "nothing recorded from a body that never arrived")
            try await Self.expectHealthy(server)
        }
    }

    /// `/healthz` answers and a real delivery is still accepted.
    static func expectHealthy(_ server: TestServer) async throws {
        #expect(try await Client.send(server.baseURL + "/healthz", method: .GET).status == 200)
        let payload = try Fixtures.payload("issues/opened.payload.json")
        #expect(try await Client.deliver(payload, event: "issues", to: server.webhookURL).status == 202)
    }
}
