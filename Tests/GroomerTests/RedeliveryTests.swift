import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Testing

/// Failed deliveries asked for again: GitHub never retries one by itself.
@Suite struct RedeliveryTests {
    static let repository = RunHarness.repository
    static let hook = "109948940"

    static func client(_ h: RunHarness, credentials: GitHubCredentials = .token("test-token")) -> GitHubRESTClient {
        var logger = Logger(label: "redelivery-test")
        logger.logLevel = .critical
        return GitHubRESTClient(baseURL: h.github.baseURL, transport: CurlTransport(), credentials: credentials,
                                policy: RateLimitPolicy(initialBackoff: 0.1, maxAttempts: 2), transientBackoff: 0.05, logger: logger)
    }

    static func sweep(_ h: RunHarness, asApp: Bool = false, client: GitHubRESTClient? = nil) -> ReconcileSweep {
        var logger = Logger(label: "redelivery-test")
        logger.logLevel = .critical
        let github = client ?? Self.client(h)
        let redelivery = Redelivery(store: h.server.store, github: github, asApp: asApp, lookbackHours: 72, logger: logger)
        return ReconcileSweep(store: h.server.store, github: github, configuration: h.configuration, clock: h.server.clock,
                              redelivery: redelivery, logger: logger)
    }

    @Test(arguments: Backend.all) func aDeliveryThatFailedIsAskedForAgainOnceAndOnlyIt(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend) { h in
            let received = "11111111-aaaa-bbbb-cccc-000000000001"
            _ = try await Client.deliver(try Fixtures.payload("issues/edited.payload.json"), event: "issues", to: h.server.webhookURL,
                                         guid: received, hookID: Self.hook)
            let now = h.server.clock.now()
            // GitHub's view of the hook, newest first once added: what groomer received (its
            // first attempt timed out), one that failed twice, one that failed then got through,
            // an event groomer ignores, and one older than the lookback.
            h.github.addHookDelivery(hook: Self.hook, id: 1, guid: "old", statusCode: 503, deliveredAt: now.addingTimeInterval(-80 * 3_600))
            h.github.addHookDelivery(hook: Self.hook, id: 2, guid: received, statusCode: 504, deliveredAt: now.addingTimeInterval(-60))
            h.github.addHookDelivery(hook: Self.hook, id: 3, guid: "missed", statusCode: 503, deliveredAt: now.addingTimeInterval(-50))
            h.github.addHookDelivery(hook: Self.hook, id: 4, guid: "missed", statusCode: 502, deliveredAt: now.addingTimeInterval(-40))
            h.github.addHookDelivery(hook: Self.hook, id: 5, guid: "recovered", statusCode: 503, deliveredAt: now.addingTimeInterval(-30))
            h.github.addHookDelivery(hook: Self.hook, id: 6, guid: "recovered", statusCode: 202, deliveredAt: now.addingTimeInterval(-20))
            h.github.addHookDelivery(hook: Self.hook, id: 7, guid: "a-pull-request", event: "pull_request", statusCode: 503,
                                     deliveredAt: now.addingTimeInterval(-10))

            let sweep = Self.sweep(h)
            #expect(await sweep.sweepOnce().redelivered == 1)
            #expect(h.github.redeliveries(hook: Self.hook) == [4], "the newest failed attempt of the one delivery groomer never got")
            #expect(await sweep.sweepOnce().redelivered == 0, "asked for once")
            let listing = try #require(h.github.requests.first { $0.path.hasSuffix("/hooks/\(Self.hook)/deliveries") })
            #expect(listing.queryItems["per_page"] == "100")
            let contract = try RESTContract()
            for request in h.github.requests { #expect(try contract.violations(request).isEmpty) }
        }
    }

    @Test func aHookTheCredentialsMayNotSeeIsSaidOnceAndLeftToTheSweep() async throws {
        try await RunHarness.with { h in
            _ = try await h.deliver()
            h.github.addHookDelivery(hook: Self.hook, id: 3, guid: "missed", statusCode: 503, deliveredAt: h.server.clock.now())
            h.github.hideHook(Self.hook)
            let sweep = Self.sweep(h)
            #expect(await sweep.sweepOnce().redelivered == 0)
            #expect(await sweep.sweepOnce().redelivered == 0)
            #expect(h.github.requests.filter { $0.path.contains("/deliveries") }.count == 1, "a 403 is remembered")
            #expect(h.github.requests.contains { $0.path.hasSuffix("/issues") }, "the sweep itself still ran")
        }
    }

    @Test func anAppAsksForItsOwnHooksDeliveriesWithItsJWT() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (keyPath, _) = try OpenSSLCommand.rsaKeyPair(in: directory)
        try await RunHarness.with { h in
            _ = try await h.deliver()
            h.github.addHookDelivery(hook: "app", id: 9, guid: "missed", statusCode: 503, deliveredAt: h.server.clock.now())
            let client = Self.client(h, credentials: .app(id: "12345", key: try AppSigningKey(path: keyPath)))
            #expect(await Self.sweep(h, asApp: true, client: client).sweepOnce().redelivered == 1)
            #expect(h.github.redeliveries(hook: "app") == [9])
            let asked = try #require(h.github.requests.first { $0.path == "/app/hook/deliveries/9/attempts" })
            #expect(asked.headers["authorization"]?.split(separator: ".").count == 3, "the App's JWT, not an installation token")
            #expect(try await client.ownLogin() == "groomer-app[bot]")
            #expect(try await Self.client(h).ownLogin() == "groomer-bot")
            let contract = try RESTContract()
            for request in h.github.requests where !request.path.hasPrefix("/repos") { #expect(try contract.violations(request).isEmpty) }
        }
    }
}
