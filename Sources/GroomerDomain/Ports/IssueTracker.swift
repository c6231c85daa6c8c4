import Foundation

/// An issue as GitHub serves it live.
public struct GitHubIssue: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var body: String
    public var state: String
    public var locked: Bool
    public var labels: [LabelInfo]
    public var isPullRequest: Bool
    public var author: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(number: Int, title: String, body: String, state: String = "open", locked: Bool = false,
                labels: [LabelInfo] = [], isPullRequest: Bool = false, author: String? = nil, createdAt: Date? = nil,
                updatedAt: Date? = nil) {
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.locked = locked
        self.labels = labels
        self.isPullRequest = isPullRequest
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension GitHubIssue {
    /// The issue as a request keeps it, so an offline groom or a later sweep can compare.
    public var snapshot: IssueSnapshot {
        IssueSnapshot(title: title, body: body, state: state, locked: locked, labels: labels, author: author)
    }
}

/// One entry of an issue's event log; groomer reads the `labeled`/`unlabeled` ones.
public struct IssueEvent: Sendable, Equatable {
    public var event: String
    public var label: String?
    public var actor: String?
    public var actorIsBot: Bool
    public var createdAt: Date?

    /// True when a bot, an App or groomer itself (`groomerLogin`) did it: not a human's decision.
    public func isByBot(groomerLogin: String?) -> Bool {
        actorIsBot || (groomerLogin.map { actor?.caseInsensitiveCompare($0) == .orderedSame } ?? false)
    }

    public init(event: String, label: String?, actor: String?, actorIsBot: Bool, createdAt: Date?) {
        self.event = event
        self.label = label
        self.actor = actor
        self.actorIsBot = actorIsBot
        self.createdAt = createdAt
    }

    /// The latest `labeled` or `unlabeled` event a human made on each label (keyed lowercased),
    /// from `events` in GitHub's order, oldest first. A bot's, an App's or groomer's own
    /// (`groomerLogin`) are no human's decision and are skipped.
    public static func latestHumanLabelChanges(_ events: [IssueEvent], groomerLogin: String?) -> [String: IssueEvent] {
        var latest: [String: IssueEvent] = [:]
        for event in events where event.event == "labeled" || event.event == "unlabeled" {
            guard let label = event.label?.lowercased(), !event.isByBot(groomerLogin: groomerLogin) else { continue }
            latest[label] = event
        }
        return latest
    }
}

/// A label to add with why and how sure: GitHub's label object (`name`, `rationale`,
/// `confidence`, `suggest`). With `suggest` it is a pending suggestion a human accepts.
public struct LabelAddition: Sendable, Equatable {
    public enum Confidence: String, Sendable { case low, medium, high }

    public var name: String
    /// At most 280 characters.
    public var rationale: String?
    public var confidence: Confidence?
    public var suggest: Bool

    public init(name: String, rationale: String? = nil, confidence: Confidence? = nil, suggest: Bool = false) {
        self.name = name
        self.rationale = rationale.map { String($0.prefix(280)) }
        self.confidence = confidence
        self.suggest = suggest
    }

    /// `high` from 0.9, `medium` from 0.7, else `low`.
    public static func confidence(_ value: Double) -> Confidence { value >= 0.9 ? .high : value >= 0.7 ? .medium : .low }
}

/// A webhook whose deliveries GitHub keeps (three days) and can send again: a repository's or
/// an organization's hook, known by the `X-GitHub-Hook-ID` its deliveries carry, or the App's own.
public enum WebhookSource: Sendable, Hashable, CustomStringConvertible {
    case repository(String, hookID: Int64)
    case organization(String, hookID: Int64)
    case app

    public var description: String {
        switch self {
        case .repository(let name, let id): return "hook \(id) of \(name)"
        case .organization(let name, let id): return "hook \(id) of organization \(name)"
        case .app: return "the App's webhook"
        }
    }

    public var isOrganization: Bool {
        if case .organization = self { return true }
        return false
    }
}

/// One attempt GitHub made to deliver an event to a webhook.
public struct HookDelivery: Sendable, Equatable {
    /// The attempt's id, which a redelivery names.
    public var id: Int64
    /// The delivery's `X-GitHub-Delivery`, the same on every attempt.
    public var guid: String
    public var deliveredAt: Date?
    /// What groomer (or whatever stood in its place) answered; GitHub reports a connection it could not make as a 5xx.
    public var statusCode: Int
    public var event: String?
    public var redelivery: Bool

    public init(id: Int64, guid: String, deliveredAt: Date?, statusCode: Int, event: String?, redelivery: Bool) {
        self.id = id
        self.guid = guid
        self.deliveredAt = deliveredAt
        self.statusCode = statusCode
        self.event = event
        self.redelivery = redelivery
    }

    /// GitHub counts 200–399 as delivered.
    public var failed: Bool { !(200..<400).contains(statusCode) }
}

/// What went wrong talking to GitHub, in terms the run can act on.
public enum GitHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 404: the issue, repository or label does not exist (or is hidden from these credentials).
    case notFound
    /// 410: the issue was deleted.
    case gone
    /// 301: the issue or repository was transferred; `location` is where it went, if said.
    case moved(location: String?)
    /// 422: GitHub refused the request's content.
    case unprocessable(String)
    /// 401 or a 403 that is not a rate limit: the credentials cannot do this.
    case unauthorized(String)
    /// Still rate limited after the bounded retries; `retryAt` is when GitHub said to come back.
    case rateLimited(retryAt: Date?)
    /// 5xx after the bounded retries, or another unexpected status.
    case server(status: Int)
    /// No HTTP answer at all.
    case transport(TransportError)
    /// A 2xx whose body is not what the API documents.
    case malformedResponse(String)
    /// No credentials that can act for this repository.
    case notConfigured(String)

    public var description: String {
        switch self {
        case .notFound: return "GitHub: not found (404)"
        case .gone: return "GitHub: gone (410)"
        case .moved(let location): return "GitHub: moved (301)\(location.map { " to \($0)" } ?? "")"
        case .unprocessable(let message): return "GitHub: unprocessable (422): \(message)"
        case .unauthorized(let message): return "GitHub: not authorised: \(message)"
        case .rateLimited(let at): return "GitHub: rate limited\(at.map { " until \($0.iso8601)" } ?? "")"
        case .server(let status): return "GitHub: HTTP \(status)"
        case .transport(let error): return "GitHub: \(error)"
        case .malformedResponse(let what): return "GitHub: malformed response: \(what)"
        case .notConfigured(let what): return "GitHub: \(what)"
        }
    }
}

/// The GitHub operations groomer uses, behind a protocol so the run can be tested
/// with a fake. `installation` is the App installation from the delivery (ignored with a token).
public protocol GitHubAPI: Sendable {
    func issue(_ key: IssueKey, installation: Int64?) async throws -> GitHubIssue
    /// Every label of the repository (all pages).
    func repositoryLabels(_ repository: String, installation: Int64?) async throws -> [LabelInfo]
    /// One POST with every label; returns the issue's labels afterwards.
    @discardableResult
    func addLabels(_ labels: [String], to key: IssueKey, installation: Int64?) async throws -> [LabelInfo]
    /// One POST of label objects, with rationale and confidence; as suggestions when they say so.
    /// A GitHub that refuses objects (422, an older Enterprise Server) gets plain names instead,
    /// remembered for the host, unless the labels are suggestions: those are never written.
    @discardableResult
    func addLabels(_ additions: [LabelAddition], to key: IssueKey, installation: Int64?) async throws -> [LabelInfo]
    /// One DELETE; a label already gone (404) is success.
    func removeLabel(_ label: String, from key: IssueKey, installation: Int64?) async throws
    /// The issue's events (all pages), oldest first.
    func issueEvents(_ key: IssueKey, installation: Int64?) async throws -> [IssueEvent]
    /// A file's bytes, or nil when it does not exist.
    func fileContents(repository: String, path: String, installation: Int64?) async throws -> Data?
    /// The repository's issues, open and closed, newest first, pull requests left out; at most
    /// `limit` of them.
    func repositoryIssues(_ repository: String, installation: Int64?, limit: Int) async throws -> [GitHubIssue]
    /// The repository's open issues, newest first, pull requests left out; at most `limit`.
    func openIssues(_ repository: String, installation: Int64?, limit: Int) async throws -> [GitHubIssue]
    /// Issues and pull requests (`isPullRequest` tells) updated at or after `since`, least
    /// recently updated first; at most `limit`.
    func issuesUpdated(_ repository: String, since: Date, installation: Int64?, limit: Int) async throws -> [GitHubIssue]
    /// The hook's delivery attempts from `since` on, newest first (`GET …/hooks/{id}/deliveries`,
    /// or `GET /app/hook/deliveries` as the App itself).
    func hookDeliveries(_ source: WebhookSource, since: Date) async throws -> [HookDelivery]
    /// Asks GitHub to send a delivery again (`POST …/deliveries/{id}/attempts`).
    func redeliver(_ delivery: HookDelivery, of source: WebhookSource) async throws
    /// The login GitHub knows these credentials by: a token's user (`GET /user`), or an App's
    /// bot, `<slug>[bot]` (`GET /app`).
    func ownLogin() async throws -> String
    /// One cheap call that shows whether GitHub accepts the credentials (`GET /rate_limit`,
    /// which costs no rate limit); an App's are only tried by the first groom of an installation.
    func checkCredentials() async throws
    /// The requests GitHub last said are left in the hour (`x-ratelimit-remaining`), if it said.
    var rateLimitRemaining: Int? { get }
}
