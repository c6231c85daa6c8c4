import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/ui`: the maintainer's page. Server-rendered, readable without JavaScript: recent decisions
/// with their reasons, the queue, each repository's policy and model, live precision from human
/// corrections, and two actions (re-groom an issue, start a run).
///
/// A login form takes the admin token once and sets a signed session cookie; every action is a
/// POST carrying the session's CSRF token. Without an admin token the page answers 404, as the
/// API does.
public struct MaintainerPage: Sendable {
    let routes: OperatorRoutes
    let sessions: PageSessions?
    /// Where issues link to: `https://github.com`, or an Enterprise Server's web address.
    let webURL: String
    /// Decisions and queue entries shown at most.
    static let rows = 50

    public init(operatorRoutes: OperatorRoutes, adminToken: String?, gitHubAPIURL: String = "https://api.github.com") {
        routes = operatorRoutes
        sessions = adminToken.map(PageSessions.init)
        webURL = Self.webURL(apiURL: gitHubAPIURL)
    }

    /// GitHub's web address for its REST address: `api.github.com` is `github.com`; an
    /// Enterprise Server's `https://HOST/api/v3` is `https://HOST`.
    static func webURL(apiURL: String) -> String {
        guard var components = URLComponents(string: apiURL) else { return "https://github.com" }
        if components.host == "api.github.com" { return "https://github.com" }
        if components.path.hasSuffix("/api/v3") { components.path = String(components.path.dropLast("/api/v3".count)) }
        return components.string ?? "https://github.com"
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/ui") { request, _ in try await page(request) }
        router.get("/ui/login") { _, _ in try loginForm(problem: nil, status: .ok) }
        router.post("/ui/login") { request, _ in try await login(request) }
        router.post("/ui/logout") { request, _ in try await act(request) { _ in Self.clearedSession(request) } }
        router.post("/ui/run") { request, _ in try await act(request) { _ in try await startRun() } }
        router.post("/ui/regroom") { request, _ in try await act(request) { form in try await regroom(form) } }
    }

    // MARK: Login and actions

    private func requireSessions() throws -> PageSessions {
        guard let sessions else { throw APIError.notFound("not found") }
        return sessions
    }

    private func session(_ request: Request) throws -> PageSessions.Session? {
        let sessions = try requireSessions()
        return request.cookies[PageSessions.cookieName].flatMap { sessions.session(cookie: $0.value, now: routes.runner.groomer.clock.now()) }
    }

    func login(_ request: Request) async throws -> Response {
        let sessions = try requireSessions()
        let form = try await Self.form(request)
        guard let token = form["token"], sessions.accepts(token: token) else {
            return try loginForm(problem: "That is not the admin token.", status: .unauthorized)
        }
        let (value, _) = sessions.issue(now: routes.runner.groomer.clock.now())
        var response = Response.redirect(to: "/ui")
        response.headers[.setCookie] = PageSessions.setCookie(value, secure: Self.isHTTPS(request))
        return response
    }

    /// An action: a valid session and its CSRF token, or 403 and nothing done.
    private func act(_ request: Request, _ action: ([String: String]) async throws -> Response) async throws -> Response {
        let sessions = try requireSessions()
        guard let session = try session(request) else { return Response.redirect(to: "/ui/login") }
        let form = try await Self.form(request)
        guard let csrf = form["csrf"], sessions.checks(csrf: csrf, for: session) else {
            return try Self.html(.forbidden, template: "message",
                                 ["title": "groomer: refused", "message": "Refused: the form's CSRF token is missing or wrong. Reload the page and try again."])
        }
        return try await action(form)
    }

    static func clearedSession(_ request: Request) -> Response {
        var response = Response.redirect(to: "/ui/login")
        response.headers[.setCookie] = PageSessions.setCookie("", secure: isHTTPS(request), maxAge: 0)
        return response
    }

    func startRun() async throws -> Response {
        let notice: String
        switch try await routes.runner.run(trigger: .manual) {
        case .busy(let holder, _): notice = "Another run holds the lock (\(holder)); try again shortly."
        case .completed(let runID, let summary, _):
            notice = "Run \(runID): \(summary.groomed) groomed, \(summary.skipped) skipped, \(summary.failed) failed of \(summary.considered)."
        }
        return Self.back(notice: notice)
    }

    func regroom(_ form: [String: String]) async throws -> Response {
        let repository = (form["repository"] ?? "").trimmingCharacters(in: .whitespaces)
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, let number = form["number"].flatMap({ Int($0) }), number > 0 else {
            return Self.back(notice: "Re-groom needs OWNER/REPO and an issue number.")
        }
        let key = IssueKey(repository: repository, number: number)
        do {
            if form["mode"] == "forced" {
                let request = try await routes.queueForced(key)
                routes.onQueued()
                return Self.back(notice: "\(key) is queued for a forced groom, due \(Self.when(request.dueAt)).", repository: repository)
            }
            let record = try await routes.dryRunGroom(key)
            let plan = record.plan.map { $0.isEmpty ? "nothing to change" : $0.rendered } ?? (record.reason ?? record.outcome.rawValue)
            return Self.back(notice: "Dry-run re-groom of \(key): \(plan). Nothing was written.", repository: repository)
        } catch let error as APIError {
            return Self.back(notice: "Re-groom of \(key) failed: \(error.reason)", repository: repository)
        }
    }

    /// Back to the page (303), with a line saying what happened.
    static func back(notice: String, repository: String? = nil) -> Response {
        var query = [URLQueryItem(name: "notice", value: notice)]
        if let repository { query.append(URLQueryItem(name: "repository", value: repository)) }
        var components = URLComponents()
        components.path = "/ui"
        components.queryItems = query
        return Response.redirect(to: components.percentEncodedQuery.map { "/ui?" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? "/ui")
    }

    // MARK: The page

    func page(_ request: Request) async throws -> Response {
        let sessions = try requireSessions()
        guard let session = try session(request) else { return Response.redirect(to: "/ui/login") }
        let query = request.uri.queryParameters
        let repository = query["repository"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let outcomeText = query["outcome"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let outcome = outcomeText.flatMap(GroomRecord.Outcome.init(rawValue:))
        if outcomeText != nil, outcome == nil { throw APIError.badRequest("outcome must be one of \(Self.outcomes.joined(separator: ", "))") }
        var view = try await PageView.build(routes: routes, webURL: webURL, repository: repository, outcome: outcome)
        view["csrf"] = sessions.csrfToken(for: session)
        if let notice = query["notice"] { view["notice"] = String(notice) }
        view["title"] = "groomer"
        return try Self.html(.ok, template: "page", view)
    }

    func loginForm(problem: String?, status: HTTPResponse.Status) throws -> Response {
        _ = try requireSessions()
        return try Self.html(status, template: "login", PageView.present(["title": "groomer: log in", "problem": problem]))
    }

    static let outcomes = ["applied", "suggested", "dry_run", "no_change", "unchanged", "skipped", "failed"]

    // MARK: HTTP pieces

    static func html(_ status: HTTPResponse.Status, template: String, _ view: [String: Any]) throws -> Response {
        let text = try PageTemplates.render(view, template: template)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                  .init("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
                                                  .init("X-Content-Type-Options")!: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The fields of an `application/x-www-form-urlencoded` body (at most 16 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        let bytes = Array(buffer.readableBytesView)
        var fields: [String: String] = [:]
        for name in ["token", "csrf", "repository", "number", "mode"] {
            if let value = FormBody.field(name, in: bytes) { fields[name] = String(decoding: value, as: UTF8.self) }
        }
        return fields
    }

    /// Behind an HTTPS proxy (`X-Forwarded-Proto: https`) the cookie is `Secure`.
    static func isHTTPS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func when(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
