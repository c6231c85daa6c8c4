import AsyncHTTPClient
import Foundation
import GroomerCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle

/// A real groomer HTTP server on a loopback port, built by `GroomerApplication.build` as
/// `groomer serve` builds it, on a test's store, clock and outside systems.
struct TestServer {
    static let secret = "It's a Secret to Everybody"

    /// What a test's application talks to besides its store and clock.
    struct Parts: Sendable {
        /// Nil: offline, as `serve` without credentials.
        var github: (any GitHubAPI)?
        var triage: any Triage = RulesTriage()
        var holder = "operator"
        var metrics: PrometheusCollectorRegistry?
    }

    let port: Int
    let store: any GroomerStore
    let clock: ManualClock
    let secrets: WebhookSecrets
    let application: GroomerApplication

    var webhookURL: String { "http://127.0.0.1:\(port)/webhooks/github" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` against a server on a fresh store of `backend` (or `store`), then shuts the
    /// server down. Only the HTTP server runs: tests start runs themselves.
    static func with<T: Sendable>(
        backend: Backend = .sqlite,
        store givenStore: (any GroomerStore)? = nil,
        configuration: GroomerConfiguration = GroomerConfiguration(),
        secrets: [String] = [TestServer.secret],
        botLogin: String? = "groomer-bot",
        adminToken: String? = nil,
        limits: GroomerApplication.Limits = GroomerApplication.Limits(),
        parts: @Sendable (any GroomerStore, ManualClock) -> Parts = { _, _ in Parts() },
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store: any GroomerStore
        if let given = givenStore {
            store = given
        } else {
            store = try await backend.makeStore(in: directory)
        }
        let clock = ManualClock()
        let keys = WebhookSecrets(secrets)
        var settings = try Settings(environment: ["GROOMER_HOST": "127.0.0.1", "GROOMER_PORT": "0"])
        settings.webhookSecrets = keys
        settings.botLogin = botLogin
        settings.adminToken = adminToken
        var logger = Logger(label: "groomer-test")
        logger.logLevel = .critical
        let made = parts(store, clock)
        let dependencies = GroomerApplication.Dependencies(store: store, github: made.github, triage: made.triage, clock: clock,
                                                           metrics: made.metrics, holder: made.holder, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = try GroomerApplication.build(settings: settings, configuration: configuration, dependencies: dependencies,
                                                       limits: limits, onRunning: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [application.http], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let server = TestServer(port: port, store: store, clock: clock, secrets: keys, application: application)
            let result: Result<T, any Error>
            do { result = .success(try await body(server)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            await store.close()
            return try result.get()
        }
    }
}

/// An answer from the server: status and body text.
struct Reply: Sendable {
    var status: Int
    var body: String
    var headers: HTTPHeaders

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends requests with AsyncHTTPClient: an HTTP stack independent of the server's.
enum Client {
    /// A client that shows redirects instead of following them (the page answers 303s).
    static let withoutRedirects = HTTPClient(eventLoopGroupProvider: .singleton,
                                             configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static func send(_ url: String, method: HTTPMethod = .POST, headers: [(String, String)] = [], body: Data? = nil,
                     timeout: TimeAmount = .seconds(60), followRedirects: Bool = true) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await (followRedirects ? HTTPClient.shared : withoutRedirects).execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers)
    }

    /// A delivery as GitHub sends it: signed with `secret`, with the GitHub headers.
    static func deliver(
        _ payload: Data, event: String, to url: String, guid: String = UUID().uuidString, hookID: String? = "109948940",
        secret: String = TestServer.secret, contentType: String = "application/json", timeout: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        var headers = [
            ("Content-Type", contentType), ("User-Agent", "GitHub-Hookshot/test"),
            ("X-GitHub-Event", event), ("X-GitHub-Delivery", guid),
            ("X-Hub-Signature-256", WebhookSecrets([secret]).sign(payload)),
        ]
        if let hookID { headers.append(("X-GitHub-Hook-ID", hookID)) }
        return try await send(url, headers: headers, body: payload, timeout: timeout)
    }
}
