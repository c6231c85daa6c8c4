import Foundation

/// Turns a verified delivery's event name and JSON payload into a `DeliveryEffect`.
public struct EventMapper: Sendable {
    /// The groomer's own GitHub login; its label changes are never taken as human decisions.
    public var botLogin: String?

    public init(botLogin: String? = nil) {
        self.botLogin = botLogin
    }

    /// Maps one delivery. Never throws: unusable input becomes `.reject` with a reason.
    /// - Parameter hookID: the `X-GitHub-Hook-ID` header, which identifies a ping's hook when its payload does not.
    public func map(event: String, payload: Data, guid: String, receivedAt: Date, hookID: String = "") -> MappedDelivery {
        let decoded: WebhookPayload
        do {
            decoded = try PayloadScanner.scan(payload)
        } catch .notAnObject {
            return Self.rejected("payload is not a JSON object")
        } catch {
            return Self.rejected("body is not valid JSON")
        }
        var mapped = MappedDelivery(
            action: decoded.action,
            repository: decoded.repository?.fullName,
            issueNumber: decoded.issue?.number,
            sender: decoded.sender?.login,
            installationID: decoded.installation?.id,
            effect: .ignore(reason: "")
        )
        mapped.effect = effect(event: event, payload: decoded, guid: guid, receivedAt: receivedAt, hookID: hookID)
        if event == "push" {
            let push = PushPayload.read(payload)
            mapped.touchesRepositoryConfig = push?.touchesRepositoryConfig ?? false
            if mapped.touchesRepositoryConfig {
                mapped.effect = .ignore(reason: "push changes \(RepositoryConfigSettings.path) on the default branch: the repository's policy is read again")
            }
        }
        return mapped
    }

    /// Who counts as a bot: an account of type `Bot`, a login ending in `[bot]`, or groomer's own login.
    public func isBot(login: String?, type: String?) -> Bool {
        if type == "Bot" { return true }
        guard let login else { return false }
        if login.hasSuffix("[bot]") { return true }
        if let botLogin, login.caseInsensitiveCompare(botLogin) == .orderedSame { return true }
        return false
    }

    private func effect(event: String, payload: WebhookPayload, guid: String, receivedAt: Date, hookID: String) -> DeliveryEffect {
        switch event {
        case "ping":
            if let id = payload.hookID ?? payload.hook?.id { return .ping(hookID: String(id)) }
            guard !hookID.isEmpty else { return .reject(reason: "ping payload lacks hook_id") }
            return .ping(hookID: hookID)
        case "issues":
            return issuesEffect(payload, guid: guid, receivedAt: receivedAt)
        case "issue_comment":
            return commentEffect(payload)
        default:
            return .ignore(reason: "event \(event) does not lead to a groom")
        }
    }

    /// The parts of a `push` payload that say whether it changed the repository's policy file.
    private struct PushPayload: Decodable {
        struct Repository: Decodable {
            var defaultBranch: String?
            enum CodingKeys: String, CodingKey { case defaultBranch = "default_branch" }
        }

        struct Commit: Decodable {
            var added: [String]?
            var modified: [String]?
            var removed: [String]?
            var paths: [String] { (added ?? []) + (modified ?? []) + (removed ?? []) }
        }

        var ref: String?
        var repository: Repository?
        var commits: [Commit]?
        var headCommit: Commit?

        enum CodingKeys: String, CodingKey {
            case ref, repository, commits
            case headCommit = "head_commit"
        }

        static func read(_ data: Data) -> PushPayload? { try? JSONDecoder().decode(PushPayload.self, from: data) }

        /// A push to the default branch whose commits add, change or remove the file. GitHub
        /// lists at most 2,048 commits of a push; a push that reaches that limit counts as
        /// touching it.
        var touchesRepositoryConfig: Bool {
            guard let branch = repository?.defaultBranch, ref == "refs/heads/\(branch)" else { return false }
            let commits = (commits ?? []) + (headCommit.map { [$0] } ?? [])
            if (self.commits?.count ?? 0) >= 2_048 { return true }
            return commits.contains { $0.paths.contains(RepositoryConfigSettings.path) }
        }
    }

    private func issuesEffect(_ payload: WebhookPayload, guid: String, receivedAt: Date) -> DeliveryEffect {
        guard let action = payload.action else { return .reject(reason: "issues payload lacks action") }
        let actions: Set = ["opened", "reopened", "edited", "closed", "deleted", "transferred", "labeled", "unlabeled"]
        guard actions.contains(action) else { return .ignore(reason: "issues action \(action) does not lead to a groom") }
        let key: IssueKey
        switch issueKey(payload) {
        case .success(let k): key = k
        case .failure(let rejection): return rejection.effect
        }
        if payload.issue?.isPullRequest == true { return .ignore(reason: "issue is a pull request") }
        switch action {
        case "opened", "reopened", "edited":
            return .groom(key, installationID: payload.installation?.id, snapshot: snapshot(payload.issue))
        case "closed", "deleted", "transferred":
            return .cancel(key, reason: "issue \(action)")
        default:
            guard let label = payload.label?.name, !label.isEmpty else {
                return .reject(reason: "issues.\(action) payload lacks label.name")
            }
            guard let actor = payload.sender?.login, !actor.isEmpty else {
                return .reject(reason: "issues.\(action) payload lacks sender.login")
            }
            if isBot(login: actor, type: payload.sender?.type) {
                return .ignore(reason: "label change by a bot (\(actor))")
            }
            return .labelDecision(LabelDecision(
                issue: key, label: label, change: action == "labeled" ? .added : .removed,
                actor: actor, decidedAt: receivedAt, deliveryGUID: guid))
        }
    }

    private func commentEffect(_ payload: WebhookPayload) -> DeliveryEffect {
        guard let action = payload.action else { return .reject(reason: "issue_comment payload lacks action") }
        guard action == "created" else { return .ignore(reason: "issue_comment action \(action) does not lead to a groom") }
        let key: IssueKey
        switch issueKey(payload) {
        case .success(let k): key = k
        case .failure(let rejection): return rejection.effect
        }
        if payload.issue?.isPullRequest == true { return .ignore(reason: "comment on a pull request") }
        if isBot(login: payload.sender?.login, type: payload.sender?.type) {
            return .ignore(reason: "comment by a bot (\(payload.sender?.login ?? "unknown"))")
        }
        return .groom(key, installationID: payload.installation?.id, snapshot: snapshot(payload.issue))
    }

    private struct Rejection: Error {
        var reason: String
        var effect: DeliveryEffect { .reject(reason: reason) }
    }

    private func issueKey(_ payload: WebhookPayload) -> Result<IssueKey, Rejection> {
        guard let repository = payload.repository?.fullName else {
            return .failure(Rejection(reason: "payload lacks repository.full_name"))
        }
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, repository.utf8.count <= 200 else {
            return .failure(Rejection(reason: "repository.full_name is not OWNER/NAME"))
        }
        guard let number = payload.issue?.number else {
            return .failure(Rejection(reason: "payload lacks issue.number"))
        }
        guard number > 0 else { return .failure(Rejection(reason: "issue.number is not positive")) }
        return .success(IssueKey(repository: repository, number: number))
    }

    /// GitHub's own limits on an issue's title and body; a payload claiming more is cut, so one
    /// delivery cannot make every later upsert of its request heavy.
    static let maximumTitleLength = 1_024
    static let maximumBodyLength = 65_536

    private func snapshot(_ issue: WebhookPayload.IssuePayload?) -> IssueSnapshot? {
        guard let issue else { return nil }
        return IssueSnapshot(
            title: Self.cut(issue.title, to: Self.maximumTitleLength),
            body: Self.cut(issue.body, to: Self.maximumBodyLength),
            state: issue.state ?? "open",
            locked: issue.locked ?? false,
            labels: (issue.labels ?? []).compactMap { label in label.name.map { LabelInfo(name: $0, description: label.description) } },
            author: issue.user?.login
        )
    }

    /// `text` cut to `limit` characters. A text of no more bytes than that is returned as it is,
    /// without counting its characters (grapheme breaking is the slow part).
    private static func cut(_ text: String?, to limit: Int) -> String {
        guard let text else { return "" }
        return text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    private static func rejected(_ reason: String) -> MappedDelivery {
        MappedDelivery(action: nil, repository: nil, issueNumber: nil, sender: nil, installationID: nil, effect: .reject(reason: reason))
    }
}
