import Foundation
import GroomerCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A local GitHub: repositories, issues, labels and issue events in memory, served over real
/// HTTP the way GitHub serves them (status codes, `Link` pagination, ETags and 304,
/// rate-limit headers). It records every request and can be told to fail.
public final class FakeGitHub: Sendable {
    public struct Label: Sendable {
        public var name: String
        public var description: String?
        public var color = "ededed"

        public init(name: String, description: String? = nil, color: String = "ededed") {
            self.name = name
            self.description = description
            self.color = color
        }
    }

    public struct Issue: Sendable {
        public var number: Int
        public var title: String
        public var body: String
        public var state = "open"
        public var locked = false
        public var labels: [String] = []
        public var isPullRequest = false
        public var author = "octocat"
        public var events: [JSONValue] = []
        public var updatedAt = "2026-01-01T00:00:00Z"
        public var createdAt = "2026-01-01T00:00:00Z"

        public init(number: Int, title: String, body: String, state: String = "open", locked: Bool = false, labels: [String] = [],
                    isPullRequest: Bool = false, author: String = "octocat", events: [JSONValue] = [],
                    updatedAt: String = "2026-01-01T00:00:00Z", createdAt: String = "2026-01-01T00:00:00Z") {
            self.number = number
            self.title = title
            self.body = body
            self.state = state
            self.locked = locked
            self.labels = labels
            self.isPullRequest = isPullRequest
            self.author = author
            self.events = events
            self.updatedAt = updatedAt
            self.createdAt = createdAt
        }
    }

    public struct Repository: Sendable {
        public var labels: [Label] = []
        public var issues: [Int: Issue] = [:]
        public var files: [String: Data] = [:]
        /// Issues that answer 301 (transferred) or 410 (deleted).
        public var moved: Set<Int> = []
        public var deleted: Set<Int> = []
    }

    public struct State: Sendable {
        public var repositories: [String: Repository] = [:]
        public var requests: [RecordedRequest] = []
        public var faults: [FaultRule] = []
        /// Every `every`-th request gets `fault`, besides the counted rules.
        public var periodicFaults: [(every: Int, fault: Fault)] = []
        public var tokens: Set<String> = ["test-token"]
        public var issuedInstallationTokens: [Int64: String] = [:]
        public var jwts: [String] = []
        /// Label objects with `suggest: true`, by "repository#number": pending, not applied.
        public var suggestions: [String: [JSONValue]] = [:]
        /// Answer 422 to label objects, as an Enterprise Server older than label suggestions does.
        public var refusesLabelObjects = false
        public var rateRemaining = 5_000
        public var rateReset = Int(Date().timeIntervalSince1970) + 3_600
        public var port = 0
        public var eventCounter = 1_000
        /// Webhook delivery attempts by hook id ("app" for the App's own), newest first, as GitHub lists them.
        public var hookDeliveries: [String: [JSONValue]] = [:]
        /// Hooks whose deliveries these credentials may not see (403).
        public var hiddenHooks: Set<String> = []
        /// Delivery attempt ids a redelivery was asked for, by hook.
        public var redeliveries: [String: [Int]] = [:]
        public var login = "groomer-bot"
        public var appSlug = "groomer-app"
        /// GitHub's secondary limit on content creation: a write sooner than this after the
        /// previous one is refused with 403 and `retry-after`, as GitHub documents.
        public var writeSpacing: Duration?
        public var lastWriteAt: ContinuousClock.Instant?
        public var secondaryLimitRefusals = 0
        /// GitHub's primary limit: once `rateRemaining` is 0, every request that would spend
        /// one is refused with 403 and `x-ratelimit-remaining: 0` until the window resets.
        public var enforcesRateLimit = false
        public var primaryLimitRefusals = 0
    }

    public let state = Mutex(State())

    public var port: Int { state.withLock { $0.port } }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    public var distinctConnections: Int { Set(requests.map(\.connection)).count }

    // MARK: Setup

    public func addRepository(_ name: String, labels: [Label]) {
        state.withLock { $0.repositories[name, default: Repository()].labels = labels }
    }

    public func addIssue(_ repository: String, _ issue: Issue) {
        state.withLock { $0.repositories[repository, default: Repository()].issues[issue.number] = issue }
    }

    public func issue(_ repository: String, _ number: Int) -> Issue? {
        state.withLock { $0.repositories[repository]?.issues[number] }
    }

    public func updateIssue(_ repository: String, _ number: Int, _ change: @Sendable (inout Issue) -> Void) {
        state.withLock { state in
            guard var issue = state.repositories[repository]?.issues[number] else { return }
            change(&issue)
            state.repositories[repository]?.issues[number] = issue
        }
    }

    /// A human (or bot) adds or removes a label, leaving an issue event as GitHub would.
    public func humanLabelChange(_ repository: String, _ number: Int, label: String, added: Bool, actor: String = "maintainer", bot: Bool = false) {
        state.withLock { state in
            guard var issue = state.repositories[repository]?.issues[number] else { return }
            if added { if !issue.labels.contains(label) { issue.labels.append(label) } } else { issue.labels.removeAll { $0 == label } }
            state.eventCounter += 1
            issue.events.append(Self.labelEvent(id: state.eventCounter, added: added, label: label, actor: actor, bot: bot))
            issue.updatedAt = Self.now()
            state.repositories[repository]?.issues[number] = issue
        }
    }

    /// Now as GitHub writes it: `YYYY-MM-DDTHH:MM:SSZ`.
    public static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    public func setFile(_ repository: String, path: String, contents: Data) {
        state.withLock { $0.repositories[repository, default: Repository()].files[path] = contents }
    }

    /// Records a delivery attempt of `hook` as GitHub would list it (newest first).
    public func addHookDelivery(hook: String, id: Int, guid: String, event: String = "issues", statusCode: Int, deliveredAt: Date = Date()) {
        let attempt = JSONValue.object([
            "id": .number(Double(id)), "guid": .string(guid), "delivered_at": .string(ISO8601DateFormatter().string(from: deliveredAt)),
            "redelivery": .bool(false), "duration": .number(0.05), "status": .string(statusCode < 400 ? "OK" : "Service Unavailable"),
            "status_code": .number(Double(statusCode)), "event": .string(event), "action": .string("opened"),
            "installation_id": .null, "repository_id": .number(1296269), "throttled_at": .null,
        ])
        state.withLock { $0.hookDeliveries[hook, default: []].insert(attempt, at: 0) }
    }

    public func hideHook(_ hook: String) { state.withLock { _ = $0.hiddenHooks.insert(hook) } }

    public func redeliveries(hook: String) -> [Int] { state.withLock { $0.redeliveries[hook] ?? [] } }

    public func suggestions(_ repository: String, _ number: Int) -> [JSONValue] {
        state.withLock { $0.suggestions["\(repository)#\(number)"] ?? [] }
    }

    public func refuseLabelObjects() { state.withLock { $0.refusesLabelObjects = true } }

    public func markMoved(_ repository: String, _ number: Int) { state.withLock { _ = $0.repositories[repository]?.moved.insert(number) } }
    public func markDeleted(_ repository: String, _ number: Int) { state.withLock { _ = $0.repositories[repository]?.deleted.insert(number) } }

    /// The next `count` requests matching `method` and `pathContains` get `fault`.
    public func inject(_ fault: Fault, method: String? = nil, pathContains: String? = nil, count: Int = 1) {
        state.withLock { $0.faults.append(FaultRule(method: method, pathContains: pathContains, remaining: count, fault: fault)) }
    }

    /// Drops every injected fault that has not fired yet, and the periodic ones.
    public func clearFaults() {
        state.withLock {
            $0.faults.removeAll()
            $0.periodicFaults.removeAll()
        }
    }

    /// From now on every `every`-th request gets `fault`.
    public func failEvery(_ every: Int, with fault: Fault) { state.withLock { $0.periodicFaults.append((every, fault)) } }

    /// Refuses a write that arrives sooner than `spacing` after the previous write.
    public func enforceWriteSpacing(_ spacing: Duration) { state.withLock { $0.writeSpacing = spacing } }
    public var secondaryLimitRefusals: Int { state.withLock { $0.secondaryLimitRefusals } }

    /// Refuses every request once the hour's requests are spent, as GitHub does (`/rate_limit`
    /// itself spends none and is always answered).
    public func enforceRateLimit() { state.withLock { $0.enforcesRateLimit = true } }
    public var primaryLimitRefusals: Int { state.withLock { $0.primaryLimitRefusals } }
    /// Requests left in the hour, as the next answer's `x-ratelimit-remaining` will say.
    public var rateRemaining: Int { state.withLock { $0.rateRemaining } }

    /// Drops the request log (a long scenario would otherwise measure the fake's memory).
    public func forgetRequests() { state.withLock { $0.requests.removeAll(keepingCapacity: false) } }

    public func setRateLimit(remaining: Int, reset: Int) {
        state.withLock {
            $0.rateRemaining = remaining
            $0.rateReset = reset
        }
    }

    // MARK: Serving

    /// Runs the fake for the duration of `body`.
    public static func with<T: Sendable>(_ setup: (FakeGitHub) -> Void = { _ in }, _ body: @Sendable (FakeGitHub) async throws -> T) async throws -> T {
        let fake = FakeGitHub()
        setup(fake)
        let router = Router(context: ConnectionContext.self)
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("**", method: method) { request, context in try await fake.respond(request, context: context) }
        }
        return try await FakeServerRunner.run(router) { port in
            fake.state.withLock { $0.port = port }
            return try await body(fake)
        }
    }

    private func respond(_ request: Request, context: ConnectionContext) async throws -> Response {
        let recorded = try await RecordedRequest.capture(request, context: context)
        let method = recorded.method
        let path = recorded.path
        let fault = state.withLock { state -> Fault? in
            state.requests.append(recorded)
            if state.enforcesRateLimit, state.rateRemaining == 0, path != "/rate_limit" {
                state.primaryLimitRefusals += 1
                return .status(403, headers: [], body: #"{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#)
            }
            if method != "GET", let spacing = state.writeSpacing {
                defer { state.lastWriteAt = recorded.at }
                if let last = state.lastWriteAt, recorded.at - last < spacing {
                    state.secondaryLimitRefusals += 1
                    return .status(403, headers: [("retry-after", "1")], body: #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#)
                }
            }
            if let periodic = state.periodicFaults.first(where: { state.requests.count % $0.every == 0 }) { return periodic.fault }
            guard let index = state.faults.firstIndex(where: { $0.remaining > 0 && $0.matches(method, path) }) else { return nil }
            state.faults[index].remaining -= 1
            return state.faults[index].fault
        }
        switch fault {
        case .status(let code, let extra, let text)?:
            var fields = rateHeaders(consume: false)
            for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
            fields[.contentType] = "application/json; charset=utf-8"
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .delay(let duration)?:
            try await Task.sleep(for: duration)
        case .hang?:
            try await Task.sleep(for: .seconds(3_600))
        case nil:
            break
        }
        return route(recorded)
    }

    private func route(_ request: RecordedRequest) -> Response {
        let segments = request.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        if request.method == "POST", segments.count == 4, segments[0] == "app", segments[1] == "installations", segments[3] == "access_tokens" {
            return accessToken(request, installation: Int64(segments[2]) ?? 0)
        }
        if segments.first == "app" {
            // As the App itself: a JWT, never an installation token.
            guard request.headers["authorization"]?.replacingOccurrences(of: "Bearer ", with: "").split(separator: ".").count == 3 else {
                return FakeServerRunner.json(.unauthorized, .object(["message": .string("A JSON web token could not be decoded")]))
            }
            if request.method == "GET", segments.count == 1 {
                return FakeServerRunner.json(.ok, .object(["id": .number(1), "slug": .string(state.withLock { $0.appSlug }), "name": .string("groomer")]))
            }
            if segments.count >= 3, segments[1] == "hook", segments[2] == "deliveries" {
                return hookDeliveries(request, hook: "app", rest: Array(segments.dropFirst(3)))
            }
            return notFound()
        }
        guard authorized(request) else {
            return FakeServerRunner.json(.unauthorized, .object(["message": .string("Bad credentials")]), headers: rateHeaders(consume: false))
        }
        if request.method == "GET", segments == ["user"] {
            return conditional(request, .object(["login": .string(state.withLock { $0.login }), "id": .number(7), "type": .string("User")]))
        }
        guard segments.count >= 4, segments[0] == "repos" else { return notFound() }
        let repository = "\(segments[1])/\(segments[2])"
        let rest = Array(segments.dropFirst(3))
        if rest.count >= 3, rest[0] == "hooks", rest[2] == "deliveries" {
            return hookDeliveries(request, hook: rest[1], rest: Array(rest.dropFirst(3)))
        }
        switch (request.method, rest.count, rest.first) {
        case ("GET", 1, "labels"):
            let labels = state.withLock { $0.repositories[repository]?.labels }
            guard let labels else { return notFound() }
            return page(request, items: labels.map(Self.labelJSON))
        case ("GET", 1, "issues"):
            return issueList(request, repository: repository)
        case ("GET", _, "contents"):
            let path = rest.dropFirst().joined(separator: "/")
            guard let data = state.withLock({ $0.repositories[repository]?.files[path] }) else { return notFound() }
            return conditional(request, .object(["type": .string("file"), "encoding": .string("base64"), "path": .string(path),
                                                 "content": .string(data.base64EncodedString(options: .lineLength76Characters))]))
        case (_, _, "issues") where rest.count >= 2:
            guard let number = Int(rest[1]) else { return notFound() }
            return issueRoute(request, repository: repository, number: number, rest: Array(rest.dropFirst(2)))
        default:
            return notFound()
        }
    }

    /// `GET /repos/{owner}/{repo}/issues`: issues and pull requests, filtered by `state`
    /// (default open) and `since` (updated at or after), ordered by `sort` (created, default,
    /// or updated) and `direction` (default desc).
    private func issueList(_ request: RecordedRequest, repository: String) -> Response {
        guard let repo = state.withLock({ $0.repositories[repository] }) else { return notFound() }
        let query = request.queryItems
        let wanted = query["state"] ?? "open"
        let ascending = query["direction"] == "asc"
        let byUpdate = query["sort"] == "updated"
        let since = query["since"] ?? ""
        let issues = repo.issues.values
            .filter { wanted == "all" || $0.state == wanted }
            .filter { !repo.deleted.contains($0.number) && !repo.moved.contains($0.number) }
            .filter { since.isEmpty || $0.updatedAt >= since }
            .sorted { byUpdate ? ($0.updatedAt, $0.number) < ($1.updatedAt, $1.number) : ($0.createdAt, $0.number) < ($1.createdAt, $1.number) }
        let ordered = ascending ? issues : issues.reversed()
        return page(request, items: ordered.map { Self.issueJSON($0, repository: repository, labels: repo.labels) })
    }

    private struct Found {
        var labels: [Label]
        var deleted: Bool
        var moved: Bool
    }

    private func issueRoute(_ request: RecordedRequest, repository: String, number: Int, rest: [String]) -> Response {
        // What this request needs of the repository, not the repository itself: a copy held while
        // the issue is written back would make every write copy all of its issues.
        let (found, issue) = state.withLock { state -> (Found?, Issue?) in
            guard let repo = state.repositories[repository] else { return (nil, nil) }
            return (Found(labels: repo.labels, deleted: repo.deleted.contains(number), moved: repo.moved.contains(number)), repo.issues[number])
        }
        guard let repo = found else { return notFound() }
        if repo.deleted {
            return FakeServerRunner.json(.gone, .object(["message": .string("This issue was deleted")]), headers: rateHeaders(consume: true))
        }
        if repo.moved {
            var headers = rateHeaders(consume: true)
            headers[.location] = "\(baseURL)/repositories/42/issues/\(number)"
            return FakeServerRunner.json(.movedPermanently, .object(["message": .string("Moved Permanently")]), headers: headers)
        }
        guard var issue else { return notFound() }
        switch (request.method, rest.count, rest.first) {
        case ("GET", 0, nil):
            return conditional(request, Self.issueJSON(issue, repository: repository, labels: repo.labels))
        case ("GET", 1, "events"):
            return page(request, items: issue.events)
        case ("POST", 1, "labels"), ("PUT", 1, "labels"):
            let items = (try? JSONValue.parse(request.body)).flatMap { $0["labels"]?.array ?? $0.array } ?? []
            if items.contains(where: { $0.object != nil }), state.withLock({ $0.refusesLabelObjects }) {
                return FakeServerRunner.json(.unprocessableContent, .object(["message": .string("Invalid request.\n\nFor 'items', {\"name\"=>\"x\"} is not a string.")]),
                                             headers: rateHeaders(consume: true))
            }
            let suggested = items.filter { $0["suggest"]?.bool == true }
            if !suggested.isEmpty {
                state.withLock { $0.suggestions["\(repository)#\(number)", default: []] += suggested }
            }
            guard let names = Self.labelNames(request.body)?.filter({ name in !suggested.contains { $0["name"]?.string == name } }) else {
                return FakeServerRunner.json(.unprocessableContent, .object(["message": .string("Invalid request.")]), headers: rateHeaders(consume: true))
            }
            let known = Set(repo.labels.map(\.name))
            guard names.allSatisfy(known.contains) else {
                return FakeServerRunner.json(.unprocessableContent, .object(["message": .string("Label does not exist")]), headers: rateHeaders(consume: true))
            }
            if request.method == "PUT" { issue.labels = [] }
            guard !names.isEmpty || !suggested.isEmpty else {
                return FakeServerRunner.json(.unprocessableContent, .object(["message": .string("Invalid request.")]), headers: rateHeaders(consume: true))
            }
            for name in names where !issue.labels.contains(name) { issue.labels.append(name) }
            let updated = issue
            state.withLock { $0.repositories[repository]?.issues[number] = updated }
            return FakeServerRunner.json(.ok, .array(updated.labels.compactMap { name in repo.labels.first { $0.name == name }.map(Self.labelJSON) }),
                                         headers: rateHeaders(consume: true))
        case ("DELETE", 2, "labels"):
            let name = rest[1]
            guard issue.labels.contains(name) else {
                return FakeServerRunner.json(.notFound, .object(["message": .string("Label does not exist")]), headers: rateHeaders(consume: true))
            }
            issue.labels.removeAll { $0 == name }
            let updated = issue
            state.withLock { $0.repositories[repository]?.issues[number] = updated }
            return FakeServerRunner.json(.ok, .array(updated.labels.compactMap { name in repo.labels.first { $0.name == name }.map(Self.labelJSON) }),
                                         headers: rateHeaders(consume: true))
        default:
            return notFound()
        }
    }

    private func authorized(_ request: RecordedRequest) -> Bool {
        guard let header = request.headers["authorization"] else { return false }
        let token = header.replacingOccurrences(of: "Bearer ", with: "").replacingOccurrences(of: "token ", with: "")
        return state.withLock { $0.tokens.contains(token) || $0.issuedInstallationTokens.values.contains(token) }
    }

    private func accessToken(_ request: RecordedRequest, installation: Int64) -> Response {
        guard let jwt = request.headers["authorization"]?.replacingOccurrences(of: "Bearer ", with: ""), jwt.split(separator: ".").count == 3 else {
            return FakeServerRunner.json(.unauthorized, .object(["message": .string("A JSON web token could not be decoded")]))
        }
        let token = "ghs_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        state.withLock {
            $0.issuedInstallationTokens[installation] = token
            $0.jwts.append(jwt)
        }
        let expires = Date().addingTimeInterval(3_600)
        return FakeServerRunner.json(.created, .object(["token": .string(token), "expires_at": .string(ISO8601DateFormatter().string(from: expires))]))
    }

    /// `GET …/deliveries` (newest first, `cursor` pagination) and `POST …/deliveries/{id}/attempts` (202).
    private func hookDeliveries(_ request: RecordedRequest, hook: String, rest: [String]) -> Response {
        if state.withLock({ $0.hiddenHooks.contains(hook) }) {
            return FakeServerRunner.json(.forbidden, .object(["message": .string("Resource not accessible by integration")]), headers: rateHeaders(consume: true))
        }
        guard let attempts = state.withLock({ $0.hookDeliveries[hook] }) else { return notFound() }
        if request.method == "POST", rest.count == 2, rest[1] == "attempts", let id = Int(rest[0]) {
            guard attempts.contains(where: { $0["id"]?.number.map(Int.init) == id }) else { return notFound() }
            state.withLock { $0.redeliveries[hook, default: []].append(id) }
            return FakeServerRunner.json(.accepted, .object([:]), headers: rateHeaders(consume: true))
        }
        guard request.method == "GET", rest.isEmpty else { return notFound() }
        let perPage = min(100, max(1, Int(request.queryItems["per_page"] ?? "") ?? 30))
        let start = Int(request.queryItems["cursor"] ?? "") ?? 0
        let slice = Array(attempts.dropFirst(start).prefix(perPage))
        var headers: HTTPFields = [:]
        if start + perPage < attempts.count {
            headers[.init("Link")!] = "<\(baseURL)\(request.path)?per_page=\(perPage)&cursor=\(start + perPage)>; rel=\"next\""
        }
        return conditional(request, .array(slice), extra: headers)
    }

    /// GitHub's pagination: `per_page` (default 30, at most 100), `page`, and a `Link` header.
    private func page(_ request: RecordedRequest, items: [JSONValue]) -> Response {
        let query = request.queryItems
        let perPage = min(100, max(1, Int(query["per_page"] ?? "") ?? 30))
        let pageNumber = max(1, Int(query["page"] ?? "") ?? 1)
        let slice = Array(items.dropFirst((pageNumber - 1) * perPage).prefix(perPage))
        let lastPage = max(1, (items.count + perPage - 1) / perPage)
        var headers: HTTPFields = [:]
        if pageNumber < lastPage {
            // Every query parameter but the page carries over, as GitHub's links do.
            let kept = query.filter { $0.key != "page" && $0.key != "per_page" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let base = "\(baseURL)\(request.path)?" + (kept + ["per_page=\(perPage)"]).joined(separator: "&")
            headers[.init("Link")!] = "<\(base)&page=\(pageNumber + 1)>; rel=\"next\", <\(base)&page=\(lastPage)>; rel=\"last\""
        }
        return conditional(request, .array(slice), extra: headers)
    }

    /// An ETag on every read, and 304 (without spending rate limit) when it still matches.
    private func conditional(_ request: RecordedRequest, _ value: JSONValue, extra: HTTPFields = [:]) -> Response {
        let text = value.description
        let etag = "W/\"\(String(UInt64(bitPattern: Int64(text.hashValue)), radix: 16))\""
        if request.headers["if-none-match"] == etag {
            var headers = rateHeaders(consume: false)
            headers[.eTag] = etag
            return Response(status: .notModified, headers: headers)
        }
        var headers = rateHeaders(consume: true)
        headers[.eTag] = etag
        for field in extra { headers.append(field) }
        return FakeServerRunner.json(.ok, value, headers: headers)
    }

    private func rateHeaders(consume: Bool) -> HTTPFields {
        state.withLock { state in
            if consume { state.rateRemaining = max(0, state.rateRemaining - 1) }
            return [
                .init("x-ratelimit-limit")!: "5000",
                .init("x-ratelimit-remaining")!: String(state.rateRemaining),
                .init("x-ratelimit-reset")!: String(state.rateReset),
                .init("x-ratelimit-resource")!: "core",
            ]
        }
    }

    private func notFound() -> Response {
        FakeServerRunner.json(.notFound, .object(["message": .string("Not Found"),
                                                  "documentation_url": .string("https://docs.github.com/rest")]), headers: rateHeaders(consume: true))
    }

    // MARK: GitHub's JSON shapes

    public static func labelJSON(_ label: Label) -> JSONValue {
        .object(["id": .number(Double(abs(label.name.hashValue % 1_000_000))), "name": .string(label.name),
                 "description": label.description.map(JSONValue.string) ?? .null, "color": .string(label.color), "default": .bool(false)])
    }

    public static func issueJSON(_ issue: Issue, repository: String, labels: [Label]) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .number(Double(issue.number + 100_000)), "number": .number(Double(issue.number)),
            "title": .string(issue.title), "body": .string(issue.body), "state": .string(issue.state), "locked": .bool(issue.locked),
            "labels": .array(issue.labels.compactMap { name in labels.first { $0.name == name }.map(labelJSON) }),
            "user": .object(["login": .string(issue.author), "type": .string("User")]),
            "url": .string("https://api.github.com/repos/\(repository)/issues/\(issue.number)"),
            "updated_at": .string(issue.updatedAt), "created_at": .string(issue.createdAt),
        ]
        if issue.isPullRequest { object["pull_request"] = .object(["url": .string("https://api.github.com/repos/\(repository)/pulls/\(issue.number)")]) }
        return .object(object)
    }

    public static func labelEvent(id: Int, added: Bool, label: String, actor: String, bot: Bool) -> JSONValue {
        .object(["id": .number(Double(id)), "event": .string(added ? "labeled" : "unlabeled"),
                 "actor": .object(["login": .string(actor), "type": .string(bot ? "Bot" : "User")]),
                 "label": .object(["name": .string(label), "color": .string("ededed")]),
                 "created_at": .string(ISO8601DateFormatter().string(from: Date()))])
    }

    /// The label names of an add/set body, in any of the forms GitHub accepts.
    public static func labelNames(_ body: Data) -> [String]? {
        guard let json = try? JSONValue.parse(body) else { return nil }
        let list = json["labels"]?.array ?? json.array ?? json.string.map { [JSONValue.string($0)] }
        return list?.compactMap { $0.string ?? $0["name"]?.string }
    }
}
