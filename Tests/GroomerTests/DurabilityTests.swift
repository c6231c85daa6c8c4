import AsyncHTTPClient
import Foundation
import GroomerCore
import NIOCore
import Testing

/// The promises that need a real process: nothing acknowledged is lost to a SIGKILL, and the
/// body cap bounds memory.
@Suite(.serialized) struct DurabilityTests {
    actor Acknowledgements {
        private(set) var guids: [(guid: String, issue: Int)] = []
        private(set) var killed = false

        /// Records a 2xx; returns true exactly once, when `threshold` is reached.
        func record(_ guid: String, issue: Int, threshold: Int) -> Bool {
            guids.append((guid, issue))
            if !killed && guids.count >= threshold {
                killed = true
                return true
            }
            return false
        }
    }

    @Test func everyAcknowledgedDeliverySurvivesASIGKILLMidBurst() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Nothing falls due while the test runs, however slow a loaded machine makes the burst and
        // the restart: every acknowledged request must still be pending, not groomed, at the end.
        let config = directory.appendingPathComponent("groomer.yml")
        try Data("debounce: {quiet_seconds: 3600, max_wait_seconds: 7200}\n".utf8).write(to: config)
        let environment = ["GROOMER_WEBHOOK_SECRET": TestServer.secret, "GROOMER_DATABASE_URL": "sqlite:\(directory.path)/groomer.sqlite",
                           "GROOMER_CONFIG": config.path]
        let server = GroomerProcess(["serve", "--port", "0"], environment: environment)
        try server.start()
        let port = try await server.listeningPort()
        let url = "http://127.0.0.1:\(port)/webhooks/github"
        let payloads = try (1...20).map { try CoalescingTests.payload(issue: $0) }
        let acknowledgements = Acknowledgements()

        await withTaskGroup(of: Void.self) { group in
            for index in 0..<600 {
                if index >= 32 { await group.next() }  // 32 deliveries in flight
                group.addTask {
                    let issue = index % 20 + 1
                    let guid = "kill-\(index)"
                    guard await !acknowledgements.killed else { return }  // the burst ends with the process
                    guard let reply = try? await Client.deliver(payloads[issue - 1], event: "issues", to: url, guid: guid, timeout: .seconds(3)),
                          (200..<300).contains(reply.status) else { return }
                    if await acknowledgements.record(guid, issue: issue, threshold: 150) {
                        server.kill(SIGKILL)
                    }
                }
            }
        }
        _ = await server.waitForExit()
        #expect(server.process.terminationReason == .uncaughtSignal)
        let acknowledged = await acknowledgements.guids
        #expect(acknowledged.count >= 150)
        #expect(acknowledged.count < 600, "the kill landed mid-burst")

        // The server starts again on the same file, and everything acknowledged is there.
        let restarted = GroomerProcess(["serve", "--port", "0"], environment: environment)
        try restarted.start()
        _ = try await restarted.listeningPort()
        restarted.kill(SIGTERM)
        _ = await restarted.waitForExit()

        let store = try await SQLiteStore(path: "\(directory.path)/groomer.sqlite")
        var missing: [String] = []
        var perIssue: [Int: Int] = [:]
        for (guid, issue) in acknowledged {
            perIssue[issue, default: 0] += 1
            if try await store.delivery(hookID: "109948940", guid: guid)?.outcome != .queued { missing.append(guid) }
        }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing)")
        for (issue, count) in perIssue {
            let request = try await store.groomRequest(IssueKey(repository: "Codertocat/Hello-World", number: issue))
            #expect(request?.status == .pending)
            #expect((request?.events ?? 0) >= count, "issue \(issue): request lost events")
        }
        await store.close()
    }

    @Test func theBodyCapBoundsMemory() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = GroomerProcess(["serve", "--port", "0"], environment: [
            "GROOMER_WEBHOOK_SECRET": TestServer.secret, "GROOMER_DATABASE_URL": "sqlite:\(directory.path)/groomer.sqlite"])
        try server.start()
        defer { server.kill(SIGKILL) }
        let port = try await server.listeningPort()
        let url = "http://127.0.0.1:\(port)/webhooks/github"
        let warmup = try await Client.deliver(try Fixtures.payload("issues/opened.payload.json"), event: "issues", to: url)
        #expect(warmup.status == 202)
        let baseline = try #require(server.peakResidentBytes)
        let cap = WebhookReceiver.maximumBodySize

        // Over the cap, announced by Content-Length and streamed without one.
        let overCap = Data(count: cap + 1)
        for _ in 0..<3 {
            #expect(try await Client.deliver(overCap, event: "issues", to: url).status == 413)
        }
        for _ in 0..<3 {
            let reply = try await Self.streamUnannounced(byteCount: cap + 1_000_000, to: url)
            #expect(reply == 413)
        }
        // At the cap, signed and valid JSON: read, verified and parsed once each.
        var atCap = Data(#"{"action":"opened","padding":""#.utf8)
        atCap.append(Data(repeating: UInt8(ascii: "x"), count: cap - atCap.count - 2))
        atCap.append(Data(#""}"#.utf8))
        #expect(atCap.count == cap)
        for _ in 0..<2 {
            #expect(try await Client.deliver(atCap, event: "issues", to: url).status == 400)
        }
        let healthy = try await Client.deliver(try Fixtures.payload("issues/edited.payload.json"), event: "issues", to: url)
        #expect(healthy.status == 202, "still serving")
        let peak = try #require(server.peakResidentBytes)
        let growth = peak - baseline
        print("body cap: baseline \(baseline / 1_048_576) MiB, peak \(peak / 1_048_576) MiB, growth \(Double(growth) / Double(cap)) × cap")
        #expect(growth < 4 * cap, "grew \(growth / 1_048_576) MiB for a \(cap / 1_048_576) MiB cap")
    }

    /// Sends a signed body of `byteCount` bytes as a chunked stream (no Content-Length).
    static func streamUnannounced(byteCount: Int, to url: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-GitHub-Event", value: "issues")
        request.headers.add(name: "X-GitHub-Delivery", value: UUID().uuidString)
        request.headers.add(name: "X-Hub-Signature-256", value: "sha256=" + String(repeating: "0", count: 64))
        let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 20)
        let chunks = (0...(byteCount >> 20)).map { _ in chunk }
        request.body = .stream(chunks.async, length: .unknown)
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            return Int(response.status.code)
        } catch {
            return -1
        }
    }
}

extension Array where Element: Sendable {
    /// The elements as an AsyncSequence.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
