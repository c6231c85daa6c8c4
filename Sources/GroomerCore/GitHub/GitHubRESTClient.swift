import Foundation
import Logging
import Synchronization

/// The GitHub REST client over the libcurl transport.
///
/// Every request carries GitHub's media type, API version and a User-Agent; reads use ETags;
/// rate limits and server errors are retried as `RateLimitPolicy` says; writes go one at a
/// time per installation, at least a second apart.
public final class GitHubRESTClient: GitHubAPI {
    public let baseURL: String
    private let transport: any HTTPTransport
    private let credentials: GitHubCredentials?
    private let policy: RateLimitPolicy
    private let clock: any GroomerClock
    private let logger: Logger
    private let cache = ResponseCache()
    private let gate: MutationGate
    private let tokens = InstallationTokens()
    private let remaining = Mutex<Int?>(nil)
    /// Set once this GitHub refused label objects: plain names from then on (writes only).
    private let plainNamesOnly = Mutex(false)
    private let requestTimeout: TimeInterval
    /// Backoff base for 5xx answers and transport failures.
    private let transientBackoff: TimeInterval

    /// GitHub's documented ceiling on content-creating requests in any hour.
    public static let gitHubWritesPerHour = 500

    /// - Parameter writesPerHour: label writes per installation in any hour (`gitHubWritesPerHour`
    ///   by default); nil for no budget.
    public init(baseURL: String = "https://api.github.com", transport: any HTTPTransport, credentials: GitHubCredentials?,
                policy: RateLimitPolicy = RateLimitPolicy(), mutationSpacing: Duration = .seconds(1),
                writesPerHour: Int? = GitHubRESTClient.gitHubWritesPerHour, requestTimeout: TimeInterval = 30, transientBackoff: TimeInterval = 2,
                clock: any GroomerClock = SystemClock(), logger: Logger = Logger(label: "groomer.github")) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.credentials = credentials
        self.policy = policy
        self.gate = MutationGate(spacing: mutationSpacing, budget: writesPerHour)
        self.requestTimeout = requestTimeout
        self.transientBackoff = transientBackoff
        self.clock = clock
        self.logger = logger
    }

    // MARK: Operations

    public func issue(_ key: IssueKey, installation: Int64?) async throws -> GitHubIssue {
        let response = try await send("GET", try Self.repoPath(key.repository) + "/issues/\(key.number)", operation: "issues/get", installation: installation)
        return try decode(IssueBody.self, from: response.body, what: "issue").issue
    }

    public func repositoryIssues(_ repository: String, installation: Int64?, limit: Int) async throws -> [GitHubIssue] {
        let url = baseURL + (try Self.repoPath(repository)) + "/issues?state=all&sort=created&direction=desc&per_page=100"
        return try await issueList(url, installation: installation, limit: limit) { !$0.isPullRequest }
    }

    public func openIssues(_ repository: String, installation: Int64?, limit: Int) async throws -> [GitHubIssue] {
        let url = baseURL + (try Self.repoPath(repository)) + "/issues?state=open&sort=created&direction=desc&per_page=100"
        return try await issueList(url, installation: installation, limit: limit) { !$0.isPullRequest }
    }

    public func issuesUpdated(_ repository: String, since: Date, installation: Int64?, limit: Int) async throws -> [GitHubIssue] {
        let url = baseURL + (try Self.repoPath(repository)) + "/issues?state=all&sort=updated&direction=asc&since=\(since.iso8601Seconds)&per_page=100"
        return try await issueList(url, installation: installation, limit: limit) { _ in true }
    }

    /// The pages of an issue list from `url`, the ones `keep` keeps, at most `limit`.
    private func issueList(_ url: String, installation: Int64?, limit: Int, keep: (GitHubIssue) -> Bool) async throws -> [GitHubIssue] {
        var issues: [GitHubIssue] = []
        var next: String? = url
        while let page = next, issues.count < limit {
            let response = try await send("GET", url: page, operation: "issues/list-for-repo", body: nil, installation: installation)
            issues += try decode([IssueBody].self, from: response.body, what: "issue list").map(\.issue).filter(keep)
            next = Self.nextLink(response.header("link"))
        }
        return Array(issues.prefix(limit))
    }

    public var rateLimitRemaining: Int? { remaining.withLock { $0 } }

    public func checkCredentials() async throws {
        guard case .token = credentials else { return }
        _ = try await send("GET", "/rate_limit", operation: "rate-limit/get", installation: nil)
    }

    public func repositoryLabels(_ repository: String, installation: Int64?) async throws -> [LabelInfo] {
        try await pages(try Self.repoPath(repository) + "/labels", operation: "issues/list-labels-for-repo", installation: installation, as: LabelBody.self)
            .map { LabelInfo(name: $0.name, description: $0.description) }
    }

    @discardableResult
    public func addLabels(_ labels: [String], to key: IssueKey, installation: Int64?) async throws -> [LabelInfo] {
        let body = CompactJSON.encode(["labels": labels])
        let response = try await mutate("POST", try Self.repoPath(key.repository) + "/issues/\(key.number)/labels", operation: "issues/add-labels", body: body, installation: installation)
        return try decode([LabelBody].self, from: response.body, what: "labels").map { LabelInfo(name: $0.name, description: $0.description) }
    }

    @discardableResult
    public func addLabels(_ additions: [LabelAddition], to key: IssueKey, installation: Int64?) async throws -> [LabelInfo] {
        let suggesting = additions.contains(where: \.suggest)
        if !suggesting, plainNamesOnly.withLock({ $0 }) { return try await addLabels(additions.map(\.name), to: key, installation: installation) }
        let objects: [JSONValue] = additions.map { addition in
            var members: [String: JSONValue] = ["name": .string(addition.name)]
            if let rationale = addition.rationale, !rationale.isEmpty { members["rationale"] = .string(rationale) }
            if let confidence = addition.confidence { members["confidence"] = .string(confidence.rawValue) }
            if addition.suggest { members["suggest"] = .bool(true) }
            return .object(members)
        }
        let body = CompactJSON.encode(["labels": objects])
        let path = try Self.repoPath(key.repository) + "/issues/\(key.number)/labels"
        do {
            let response = try await mutate("POST", path, operation: "issues/add-labels", body: body, installation: installation)
            return try decode([LabelBody].self, from: response.body, what: "labels").map { LabelInfo(name: $0.name, description: $0.description) }
        } catch GitHubError.unprocessable(let message) where !suggesting {
            // Perhaps objects are what it refuses: plain names, and if those go through, remember.
            logger.info("GitHub refused label objects; trying plain names", metadata: ["message": "\(message)"])
            let labels = try await addLabels(additions.map(\.name), to: key, installation: installation)
            plainNamesOnly.withLock { $0 = true }
            return labels
        }
    }

    public func removeLabel(_ label: String, from key: IssueKey, installation: Int64?) async throws {
        let path = try Self.repoPath(key.repository) + "/issues/\(key.number)/labels/\(Self.pathSegment(label))"
        do {
            _ = try await mutate("DELETE", path, operation: "issues/remove-label", body: nil, installation: installation)
        } catch GitHubError.notFound {
            return  // already gone: what we wanted
        }
    }

    public func issueEvents(_ key: IssueKey, installation: Int64?) async throws -> [IssueEvent] {
        let formatter = ISO8601DateFormatter()
        return try await pages(try Self.repoPath(key.repository) + "/issues/\(key.number)/events", operation: "issues/list-events", installation: installation, as: EventBody.self)
            .map { event in
                IssueEvent(event: event.event, label: event.label?.name, actor: event.actor?.login,
                           actorIsBot: event.actor?.type == "Bot" || (event.actor?.login.hasSuffix("[bot]") ?? false),
                           createdAt: event.createdAt.flatMap { formatter.date(from: $0) })
            }
    }

    public func fileContents(repository: String, path: String, installation: Int64?) async throws -> Data? {
        let encodedPath = path.split(separator: "/").map { Self.pathSegment(String($0)) }.joined(separator: "/")
        do {
            let response = try await send("GET", try Self.repoPath(repository) + "/contents/\(encodedPath)", operation: "repos/get-content", installation: installation)
            let file = try decode(ContentBody.self, from: response.body, what: "contents")
            guard file.encoding == "base64", let content = file.content,
                  let data = Data(base64Encoded: content.filter { !$0.isWhitespace }) else {
                throw GitHubError.malformedResponse("contents of \(path) are not a base64 file")
            }
            return data
        } catch GitHubError.notFound {
            return nil
        }
    }

    public func hookDeliveries(_ source: WebhookSource, since: Date) async throws -> [HookDelivery] {
        let formatter = ISO8601DateFormatter()
        let (path, operation) = try Self.deliveriesPath(source)
        var deliveries: [HookDelivery] = []
        var next: String? = baseURL + path + "?per_page=100"
        var pageCount = 0
        // Newest first: stop at the first page that reaches back past `since`.
        while let url = next, pageCount < 30 {
            let response = try await send("GET", url: url, operation: operation, body: nil, installation: nil, asApp: source == .app)
            let page = try decode([DeliveryBody].self, from: response.body, what: "hook deliveries").map { body in
                HookDelivery(id: body.id, guid: body.guid, deliveredAt: body.deliveredAt.flatMap { formatter.date(from: $0) },
                             statusCode: body.statusCode ?? 0, event: body.event, redelivery: body.redelivery ?? false)
            }
            deliveries += page.filter { ($0.deliveredAt ?? .distantFuture) >= since }
            if page.contains(where: { ($0.deliveredAt ?? .distantFuture) < since }) { break }
            next = Self.nextLink(response.header("link"))
            pageCount += 1
        }
        return deliveries
    }

    public func redeliver(_ delivery: HookDelivery, of source: WebhookSource) async throws {
        let (path, _) = try Self.deliveriesPath(source)
        let operation = source == .app ? "apps/redeliver-webhook-delivery" : source.isOrganization ? "orgs/redeliver-webhook-delivery" : "repos/redeliver-webhook-delivery"
        _ = try await send("POST", url: baseURL + path + "/\(delivery.id)/attempts", operation: operation, body: nil, installation: nil,
                           asApp: source == .app)
    }

    public func ownLogin() async throws -> String {
        switch credentials {
        case .app:
            let response = try await send("GET", url: baseURL + "/app", operation: "apps/get-authenticated", body: nil, installation: nil, asApp: true)
            return try decode(AppBody.self, from: response.body, what: "app").slug + "[bot]"
        default:
            let response = try await send("GET", "/user", operation: "users/get-authenticated", installation: nil)
            return try decode(UserBody.self, from: response.body, what: "user").login
        }
    }

    private static func deliveriesPath(_ source: WebhookSource) throws -> (String, String) {
        switch source {
        case .repository(let name, let id): return (try repoPath(name) + "/hooks/\(id)/deliveries", "repos/list-webhook-deliveries")
        case .organization(let name, let id): return ("/orgs/\(pathSegment(name))/hooks/\(id)/deliveries", "orgs/list-webhook-deliveries")
        case .app: return ("/app/hook/deliveries", "apps/list-webhook-deliveries")
        }
    }

    // MARK: Requests

    /// A write: serialised and spaced per installation.
    private func mutate(_ method: String, _ path: String, operation: String, body: Data?, installation: Int64?) async throws -> IncomingResponse {
        let identity = installation.map { "installation:\($0)" } ?? "token"
        return try await gate.run(for: identity) {
            try await self.send(method, path, operation: operation, body: body, installation: installation)
        }
    }

    /// Every page of a list, following `Link: <…>; rel="next"`.
    private func pages<Element: Decodable>(_ path: String, operation: String, installation: Int64?, as: Element.Type) async throws -> [Element] {
        var results: [Element] = []
        var next: String? = baseURL + path + "?per_page=100"
        var pageCount = 0
        while let url = next, pageCount < 100 {
            let response = try await send("GET", url: url, operation: operation, body: nil, installation: installation)
            results += try decode([Element].self, from: response.body, what: "list")
            next = Self.nextLink(response.header("link"))
            pageCount += 1
        }
        return results
    }

    private func send(_ method: String, _ path: String, operation: String, body: Data? = nil, installation: Int64?) async throws -> IncomingResponse {
        try await send(method, url: baseURL + path, operation: operation, body: body, installation: installation)
    }

    /// - Parameter asApp: authenticate as the App itself (a JWT), for the `/app` endpoints.
    private func send(_ method: String, url: String, operation: String, body: Data?, installation: Int64?,
                      asApp: Bool = false) async throws -> IncomingResponse {
        var refreshedToken = false
        var attempt = 1
        while true {
            var headers = try await baseHeaders(installation: installation, asApp: asApp)
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let cacheKey = "\(installation.map(String.init) ?? "-") \(url)"
            let cached = method == "GET" ? await cache.entry(for: cacheKey) : nil
            if let cached { headers.append(("If-None-Match", cached.etag)) }

            let response: IncomingResponse
            do {
                response = try await transport.send(OutgoingRequest(method: method, url: url, headers: headers, body: body, timeout: requestTimeout))
            } catch let error as TransportError {
                guard error != .cancelled, attempt < policy.maxAttempts else { throw GitHubError.transport(error) }
                let wait = transientBackoff * pow(2, Double(attempt - 1))
                logger.warning("GitHub request failed; retrying", metadata: ["method": "\(method)", "error": "\(error)", "wait_s": "\(wait)"])
                try await Task.sleep(for: .seconds(wait))
                attempt += 1
                continue
            }

            GroomerMetrics.githubRequest(operation: operation, status: response.status)
            if let left = response.header("x-ratelimit-remaining").flatMap({ Int($0) }) {
                GroomerMetrics.rateLimitRemaining(left)
                remaining.withLock { $0 = left }
            }
            if response.status == 304, let cached {
                return IncomingResponse(status: 200, headers: cached.headers, body: cached.body)
            }
            if response.status == 401, case .app = credentials, let installation, !refreshedToken {
                await tokens.forget(installation)  // revoked or expired early: fetch a new one once
                refreshedToken = true
                continue
            }
            switch policy.decide(status: response.status, headers: response.header, body: response.body, attempt: attempt, now: clock.now()) {
            case .retry(let after):
                let wait = (500...599).contains(response.status) && response.header("retry-after") == nil
                    ? transientBackoff * pow(2, Double(attempt - 1)) : after
                logger.warning("GitHub asked to wait; retrying", metadata: [
                    "method": "\(method)", "status": "\(response.status)", "wait_s": "\(wait)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .seconds(wait))
                attempt += 1
                continue
            case .giveUp(let error):
                throw error
            case .accept:
                break
            }
            try Self.check(response)
            if method == "GET", let etag = response.header("etag") {
                await cache.store(ResponseCache.Entry(etag: etag, body: response.body, headers: response.headers), for: cacheKey)
            }
            return response
        }
    }

    /// Maps the statuses the run acts on to typed errors.
    private static func check(_ response: IncomingResponse) throws {
        switch response.status {
        case 200..<300: return
        case 301, 302, 307, 308: throw GitHubError.moved(location: response.header("location"))
        case 404: throw GitHubError.notFound
        case 410: throw GitHubError.gone
        case 422: throw GitHubError.unprocessable(message(response.body))
        case 401, 403: throw GitHubError.unauthorized(message(response.body))
        default: throw GitHubError.server(status: response.status)
        }
    }

    private static func message(_ body: Data) -> String {
        (try? JSONDecoder().decode(MessageBody.self, from: body))?.message ?? "HTTP error"
    }

    private func baseHeaders(installation: Int64?, asApp: Bool = false) async throws -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("User-Agent", "groomer"),
        ]
        switch credentials {
        case .token(let token):
            headers.append(("Authorization", "Bearer \(token)"))
        case .app(let appID, let key) where asApp:
            headers.append(("Authorization", "Bearer \(try key.jwt(appID: appID, now: clock.now()))"))
        case .app(let appID, let key):
            guard let installation else {
                throw GitHubError.notConfigured("GitHub App auth needs the installation id, and the delivery had none")
            }
            headers.append(("Authorization", "Bearer \(try await installationToken(installation, appID: appID, key: key))"))
        case nil:
            throw GitHubError.notConfigured("no GitHub credentials (set GROOMER_GITHUB_TOKEN or the GitHub App settings)")
        }
        return headers
    }

    private func installationToken(_ installation: Int64, appID: String, key: AppSigningKey) async throws -> String {
        if let token = await tokens.valid(for: installation, now: clock.now()) { return token }
        let jwt = try key.jwt(appID: appID, now: clock.now())
        let request = OutgoingRequest(
            method: "POST", url: "\(baseURL)/app/installations/\(installation)/access_tokens",
            headers: [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
                      ("User-Agent", "groomer"), ("Authorization", "Bearer \(jwt)")],
            body: nil, timeout: requestTimeout)
        let response: IncomingResponse
        do {
            response = try await transport.send(request)
        } catch let error as TransportError {
            throw GitHubError.transport(error)
        }
        try Self.check(response)
        let body = try decode(TokenBody.self, from: response.body, what: "installation token")
        guard let expiresAt = ISO8601DateFormatter().date(from: body.expiresAt) else {
            throw GitHubError.malformedResponse("installation token expires_at is not a date")
        }
        await tokens.store(InstallationTokens.Token(value: body.token, expiresAt: expiresAt), for: installation)
        return body.token
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw GitHubError.malformedResponse("\(what) is not the documented JSON")
        }
    }

    // MARK: URL pieces

    static func repoPath(_ repository: String) throws -> String {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw GitHubError.notConfigured("\(repository) is not OWNER/NAME")
        }
        return "/repos/\(pathSegment(String(parts[0])))/\(pathSegment(String(parts[1])))"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (label names hold spaces, `/`, `:`, emoji).
    static func pathSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The `rel="next"` URL of a `Link` header.
    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count >= 2, pieces.dropFirst().contains(where: { $0 == #"rel="next""# }) else { continue }
            let url = pieces[0]
            guard url.hasPrefix("<"), url.hasSuffix(">") else { continue }
            return String(url.dropFirst().dropLast())
        }
        return nil
    }

    // MARK: Wire shapes

    private struct IssueBody: Decodable {
        var number: Int
        var title: String
        var body: String?
        var state: String
        var locked: Bool?
        var labels: [LabelBody]
        var pullRequest: JSONValue?
        var user: UserBody?
        var createdAt: String?
        var updatedAt: String?

        enum CodingKeys: String, CodingKey {
            case number, title, body, state, locked, labels, user
            case pullRequest = "pull_request"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        var issue: GitHubIssue {
            GitHubIssue(number: number, title: title, body: body ?? "", state: state, locked: locked ?? false,
                        labels: labels.map { LabelInfo(name: $0.name, description: $0.description) },
                        isPullRequest: pullRequest != nil, author: user?.login,
                        createdAt: createdAt.flatMap { ISO8601DateFormatter().date(from: $0) },
                        updatedAt: updatedAt.flatMap { ISO8601DateFormatter().date(from: $0) })
        }
    }

    private struct LabelBody: Decodable {
        var name: String
        var description: String?
    }

    private struct UserBody: Decodable {
        var login: String
        var type: String?
    }

    private struct EventBody: Decodable {
        var event: String
        var actor: UserBody?
        var label: LabelBody?
        var createdAt: String?

        enum CodingKeys: String, CodingKey {
            case event, actor, label
            case createdAt = "created_at"
        }
    }

    private struct DeliveryBody: Decodable {
        var id: Int64
        var guid: String
        var deliveredAt: String?
        var statusCode: Int?
        var event: String?
        var redelivery: Bool?

        enum CodingKeys: String, CodingKey {
            case id, guid, event, redelivery
            case deliveredAt = "delivered_at"
            case statusCode = "status_code"
        }
    }

    private struct AppBody: Decodable {
        var slug: String
    }

    private struct ContentBody: Decodable {
        var content: String?
        var encoding: String?
    }

    private struct TokenBody: Decodable {
        var token: String
        var expiresAt: String

        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }
    }

    private struct MessageBody: Decodable {
        var message: String
    }
}
