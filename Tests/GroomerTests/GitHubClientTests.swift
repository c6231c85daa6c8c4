import Foundation
@testable import GroomerCore
import GroomerTesting
import Synchronization
import Testing

/// The GitHub client over the libcurl transport, against the fake GitHub on loopback.
@Suite struct GitHubClientTests {
    static let repo = "octo-org/octo-repo"
    static let key = IssueKey(repository: repo, number: 7)

    static func seed(_ fake: FakeGitHub) {
        fake.addRepository(repo, labels: [
            .init(name: "bug", description: "Something isn't working"),
            .init(name: "enhancement", description: "New feature or request"),
            .init(name: "help wanted"),
            .init(name: "type: ui/ux 🎨"),
        ])
        fake.addIssue(repo, .init(number: 7, title: "Crash on start", body: "It crashes", labels: ["help wanted"]))
    }

    static func client(_ fake: FakeGitHub, credentials: GitHubCredentials = .token("test-token"),
                       policy: RateLimitPolicy = RateLimitPolicy(initialBackoff: 0.2, maxAttempts: 3),
                       timeout: TimeInterval = 10, transport: CurlTransport = CurlTransport()) -> GitHubRESTClient {
        GitHubRESTClient(baseURL: fake.baseURL, transport: transport, credentials: credentials, policy: policy,
                         requestTimeout: timeout, transientBackoff: 0.1, logger: LLMClientTests.quiet)
    }

    static func checkContract(_ fake: FakeGitHub) throws {
        let contract = try RESTContract()
        for request in fake.requests {
            let problems = try contract.violations(request)
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func everyOperationSpeaksTheDocumentedAPI() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            let many = (1...130).map { FakeGitHub.Label(name: "area/\($0)") }
            fake.addRepository("octo-org/big", labels: many)
            fake.setFile(Self.repo, path: ".github/groomer.yml", contents: Data("dry_run: false\n".utf8))
            fake.humanLabelChange(Self.repo, 7, label: "bug", added: true)
            fake.humanLabelChange(Self.repo, 7, label: "bug", added: false)
            let client = Self.client(fake)

            let issue = try await client.issue(Self.key, installation: nil)
            #expect(issue.title == "Crash on start")
            #expect(issue.labels.map(\.name) == ["help wanted"])
            #expect(try await client.repositoryLabels(Self.repo, installation: nil).count == 4)
            let all = try await client.repositoryLabels("octo-org/big", installation: nil)
            #expect(all.count == 130, "both pages, through the Link header")
            let after = try await client.addLabels(["bug", "type: ui/ux 🎨"], to: Self.key, installation: nil)
            #expect(Set(after.map(\.name)) == ["help wanted", "bug", "type: ui/ux 🎨"])
            try await client.removeLabel("type: ui/ux 🎨", from: Self.key, installation: nil)
            try await client.removeLabel("help wanted", from: Self.key, installation: nil)
            try await client.removeLabel("never-there", from: Self.key, installation: nil)  // 404 = already gone
            #expect(fake.issue(Self.repo, 7)?.labels == ["bug"])
            let events = try await client.issueEvents(Self.key, installation: nil)
            #expect(events.map(\.event) == ["labeled", "unlabeled"])
            #expect(events.allSatisfy { $0.actor == "maintainer" && !$0.actorIsBot && $0.label == "bug" })
            #expect(try await client.fileContents(repository: Self.repo, path: ".github/groomer.yml", installation: nil) == Data("dry_run: false\n".utf8))
            #expect(try await client.fileContents(repository: Self.repo, path: "missing.yml", installation: nil) == nil)

            let deletes = fake.requests.filter { $0.method == "DELETE" }.map(\.path)
            #expect(deletes.contains("/repos/octo-org/octo-repo/issues/7/labels/type%3A%20ui%2Fux%20%F0%9F%8E%A8"))
            #expect(!fake.requests.contains { $0.method == "PUT" })
            try Self.checkContract(fake)
        }
    }

    @Test func theContractCheckCatchesARequestGitHubWouldNotTake() throws {
        let contract = try RESTContract()
        let bad = RecordedRequest(method: "POST", path: "/repos/o/r/issues/1/labels", query: "foo=1",
                                  headers: ["accept": "application/json"], body: Data(#"{"labels":[]}"#.utf8),
                                  connection: ObjectIdentifier(contract), at: .now)
        let problems = try contract.violations(bad)
        #expect(problems.contains { $0.contains("Accept") })
        #expect(problems.contains { $0.contains("X-GitHub-Api-Version") })
        #expect(problems.contains { $0.contains("Authorization") })
        #expect(problems.contains { $0.contains("query parameter foo") })
        #expect(problems.contains { $0.contains("body") })
        let unknown = RecordedRequest(method: "PATCH", path: "/repos/o/r/issues/1", query: nil, headers: [:], body: Data(),
                                      connection: ObjectIdentifier(contract), at: .now)
        #expect(try contract.violations(unknown).first?.contains("not an operation") == true)
    }

    @Test func fiftyConcurrentReadsLeaveTheCooperativePoolFree() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.delay(.milliseconds(300)), method: "GET", count: 50)
            let client = Self.client(fake)
            let ticks = Atomic<Int>(0)
            let ticker = Task {
                while !Task.isCancelled {
                    ticks.add(1, ordering: .relaxed)
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            let issues = try await withThrowingTaskGroup(of: GitHubIssue.self) { group in
                for _ in 0..<50 { group.addTask { try await client.issue(Self.key, installation: nil) } }
                return try await group.reduce(into: [GitHubIssue]()) { $0.append($1) }
            }
            ticker.cancel()
            #expect(issues.count == 50)
            #expect(ticks.load(ordering: .relaxed) >= 10, "a pure-Swift task kept running while 50 reads were in flight")
            #expect(fake.distinctConnections <= 16, "at most the transport's connection bound")
        }
    }

    @Test func connectionsAreReused() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            let client = Self.client(fake)
            for _ in 0..<40 { _ = try await client.repositoryLabels(Self.repo, installation: nil) }
            #expect(fake.requests.count == 40)
            #expect(fake.distinctConnections <= 2)
        }
    }

    @Test func a429WithRetryAfterIsWaitedOutAndRetried() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.status(429, headers: [("retry-after", "2")], body: #"{"message":"You have exceeded a secondary rate limit."}"#), method: "GET")
            let started = ContinuousClock.now
            let issue = try await Self.client(fake).issue(Self.key, installation: nil)
            let elapsed = ContinuousClock.now - started
            #expect(issue.number == 7)
            #expect(fake.requests.count == 2)
            #expect(elapsed >= .seconds(2))
            #expect(fake.requests[1].at - fake.requests[0].at >= .seconds(2))
        }
    }

    @Test func anExhaustedPrimaryLimitWaitsUntilReset() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            let reset = Int(Date().timeIntervalSince1970) + 2
            fake.inject(.status(403, headers: [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", String(reset))],
                                body: #"{"message":"API rate limit exceeded"}"#), method: "GET")
            _ = try await Self.client(fake).issue(Self.key, installation: nil)
            #expect(fake.requests.count == 2)
            #expect(Date().timeIntervalSince1970 >= Double(reset))
        }
    }

    @Test func aRateLimitBeyondTheBoundFailsTypedInsteadOfSleeping() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.status(429, headers: [("retry-after", "3600")]), method: "GET")
            let client = GitHubRESTClient(baseURL: fake.baseURL, transport: CurlTransport(), credentials: .token("test-token"),
                                          policy: RateLimitPolicy(initialBackoff: 1, maxAttempts: 3, maxWait: 60), logger: LLMClientTests.quiet)
            await #expect(throws: GitHubError.self) { try await client.issue(Self.key, installation: nil) }
            #expect(fake.requests.count == 1)
        }
    }

    @Test func aForbiddenThatIsNotARateLimitIsNotRetried() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.status(403, body: #"{"message":"Resource not accessible by integration"}"#), method: "POST")
            await #expect(throws: GitHubError.unauthorized("Resource not accessible by integration")) {
                try await Self.client(fake).addLabels(["bug"], to: Self.key, installation: nil)
            }
            #expect(fake.requests.count == 1)
        }
    }

    @Test func serverErrorsAreRetriedABoundedNumberOfTimes() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.status(502), method: "GET", count: 2)
            let issue = try await Self.client(fake).issue(Self.key, installation: nil)
            #expect(issue.number == 7)
            #expect(fake.requests.count == 3)
            fake.inject(.status(500), method: "GET", count: 10)
            await #expect(throws: GitHubError.server(status: 500)) { try await Self.client(fake).issue(Self.key, installation: nil) }
            #expect(fake.requests.count == 6)
        }
    }

    @Test func twoAddsToOneInstallationAreAtLeastASecondApart() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            let client = Self.client(fake)
            async let first: [LabelInfo] = client.addLabels(["bug"], to: Self.key, installation: nil)
            async let second: [LabelInfo] = client.addLabels(["enhancement"], to: Self.key, installation: nil)
            _ = try await (first, second)
            let posts = fake.requests.filter { $0.method == "POST" }
            #expect(posts.count == 2)
            #expect(posts[1].at - posts[0].at >= .seconds(1))
        }
    }

    @Test func aRepeatedReadIsAnsweredFromCacheOnA304() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            let client = Self.client(fake)
            let first = try await client.issue(Self.key, installation: nil)
            let second = try await client.issue(Self.key, installation: nil)
            #expect(first == second)
            #expect(fake.requests.count == 2)
            #expect(fake.requests[0].headers["if-none-match"] == nil)
            #expect(fake.requests[1].headers["if-none-match"] != nil)
            fake.updateIssue(Self.repo, 7) { $0.title = "Crash on start (edited)" }
            #expect(try await client.issue(Self.key, installation: nil).title == "Crash on start (edited)")
        }
    }

    @Test func movedGoneAndMissingIssuesAreTypedErrors() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.addIssue(Self.repo, .init(number: 8, title: "t", body: ""))
            fake.addIssue(Self.repo, .init(number: 9, title: "t", body: ""))
            fake.markMoved(Self.repo, 8)
            fake.markDeleted(Self.repo, 9)
            let client = Self.client(fake)
            await #expect { try await client.issue(IssueKey(repository: Self.repo, number: 8), installation: nil) } throws: { error in
                if case GitHubError.moved(let location?) = error { return location.contains("/issues/8") }
                return false
            }
            await #expect(throws: GitHubError.gone) { try await client.issue(IssueKey(repository: Self.repo, number: 9), installation: nil) }
            await #expect(throws: GitHubError.notFound) { try await client.issue(IssueKey(repository: Self.repo, number: 99), installation: nil) }
            await #expect(throws: GitHubError.unprocessable("Label does not exist")) {
                try await client.addLabels(["not-a-label"], to: Self.key, installation: nil)
            }
        }
    }

    @Test func aHungPeerTimesOutAndTheBoundEndsIt() async throws {
        try await FakeGitHub.with(Self.seed) { fake in
            fake.inject(.hang, method: "GET", count: 5)
            let started = ContinuousClock.now
            // 3 s per attempt: with every suite running at once on two cores, a second attempt
            // can take over a second just to reach the fake, and then it is not counted.
            await #expect(throws: GitHubError.transport(.timedOut)) {
                try await Self.client(fake, policy: RateLimitPolicy(initialBackoff: 0.1, maxAttempts: 2), timeout: 3)
                    .issue(Self.key, installation: nil)
            }
            // The peer hangs for an hour: ending well inside a minute shows the bound, however loaded the machine.
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(fake.requests.count == 2)
        }
    }

    @Test func appAuthExchangesAJWTForACachedInstallationToken() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (keyPath, _) = try OpenSSLCommand.rsaKeyPair(in: directory)
        try await FakeGitHub.with(Self.seed) { fake in
            let client = Self.client(fake, credentials: .app(id: "12345", key: try AppSigningKey(path: keyPath)))
            _ = try await client.issue(Self.key, installation: 99)
            _ = try await client.repositoryLabels(Self.repo, installation: 99)
            let exchanges = fake.requests.filter { $0.path == "/app/installations/99/access_tokens" }
            #expect(exchanges.count == 1, "the token is cached for the installation")
            let token = try #require(fake.state.withLock { $0.issuedInstallationTokens[99] })
            #expect(fake.requests.filter { $0.path.hasPrefix("/repos") }.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })
            try Self.checkContract(fake)
            await #expect(throws: GitHubError.self) { try await client.issue(Self.key, installation: nil) }
        }
    }

    @Test func theAppJWTVerifiesWithThePublicKeyAndHasTheRightClaims() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (keyPath, publicPath) = try OpenSSLCommand.rsaKeyPair(in: directory)
        let now = Date()
        let jwt = try AppSigningKey(path: keyPath).jwt(appID: "12345", now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try JSONValue.parse(try #require(Base64URL.decode(parts[0])))
        let claims = try JSONValue.parse(try #require(Base64URL.decode(parts[1])))
        #expect(header["alg"]?.string == "RS256")
        #expect(claims["iss"]?.string == "12345")
        let iat = try #require(claims["iat"]?.number)
        let exp = try #require(claims["exp"]?.number)
        #expect(abs(iat - (now.timeIntervalSince1970 - 60)) <= 1)
        #expect(exp - now.timeIntervalSince1970 <= 600)
        #expect(exp > now.timeIntervalSince1970)

        let signed = directory.appendingPathComponent("signed.txt")
        let signature = directory.appendingPathComponent("signature.bin")
        try Data("\(parts[0]).\(parts[1])".utf8).write(to: signed)
        try #require(Base64URL.decode(parts[2])).write(to: signature)
        let verify = try OpenSSLCommand.run(["dgst", "-sha256", "-verify", publicPath, "-signature", signature.path, signed.path])
        #expect(verify.output.contains("Verified OK"))
        try Data("tampered".utf8).write(to: signed)
        #expect(try OpenSSLCommand.run(["dgst", "-sha256", "-verify", publicPath, "-signature", signature.path, signed.path]).status != 0)
    }

    @Test func labelNamesArePercentEncodedAsOnePathSegment() {
        #expect(GitHubRESTClient.pathSegment("good first issue") == "good%20first%20issue")
        #expect(GitHubRESTClient.pathSegment("type/bug") == "type%2Fbug")
        #expect(GitHubRESTClient.pathSegment("a-b_c.d~e") == "a-b_c.d~e")
        #expect(GitHubRESTClient.nextLink(#"<https://x/a?page=2>; rel="next", <https://x/a?page=5>; rel="last""#) == "https://x/a?page=2")
        #expect(GitHubRESTClient.nextLink(#"<https://x/a?page=1>; rel="prev""#) == nil)
    }
}

/// The `openssl` command line, as an independent check of what groomer signs.
enum OpenSSLCommand {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A fresh 2048-bit RSA key (PKCS#8 PEM) and its public half.
    static func rsaKeyPair(in directory: URL) throws -> (privateKey: String, publicKey: String) {
        let key = directory.appendingPathComponent("app.pem").path
        let pub = directory.appendingPathComponent("app.pub.pem").path
        #expect(try run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]).status == 0)
        #expect(try run(["pkey", "-in", key, "-pubout", "-out", pub]).status == 0)
        return (key, pub)
    }
}
