import Foundation

/// The parts of a webhook payload the mapper reads. Decoding is lenient: a field that is
/// missing or of the wrong type becomes nil, and the mapper decides whether the event needs it.
struct WebhookPayload: Decodable {
    var action: String?
    var sender: Account?
    var repository: Repository?
    var installation: Installation?
    var issue: IssuePayload?
    var label: LabelPayload?
    var hookID: Int64?
    var hook: Hook?

    enum CodingKeys: String, CodingKey {
        case action, sender, repository, installation, issue, label, hook
        case hookID = "hook_id"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = c.lenient(String.self, .action)
        sender = c.lenient(Account.self, .sender)
        repository = c.lenient(Repository.self, .repository)
        installation = c.lenient(Installation.self, .installation)
        issue = c.lenient(IssuePayload.self, .issue)
        label = c.lenient(LabelPayload.self, .label)
        hookID = c.lenient(Int64.self, .hookID)
        hook = c.lenient(Hook.self, .hook)
    }

    struct Account: Decodable {
        var login: String?
        var type: String?

        enum CodingKeys: String, CodingKey { case login, type }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            login = c.lenient(String.self, .login)
            type = c.lenient(String.self, .type)
        }
    }

    struct Repository: Decodable {
        var fullName: String?

        enum CodingKeys: String, CodingKey { case fullName = "full_name" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fullName = c.lenient(String.self, .fullName)
        }
    }

    struct Installation: Decodable {
        var id: Int64?

        enum CodingKeys: String, CodingKey { case id }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = c.lenient(Int64.self, .id)
        }
    }

    struct Hook: Decodable {
        var id: Int64?

        enum CodingKeys: String, CodingKey { case id }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = c.lenient(Int64.self, .id)
        }
    }

    struct LabelPayload: Decodable {
        var name: String?
        var description: String?

        enum CodingKeys: String, CodingKey { case name, description }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = c.lenient(String.self, .name)
            description = c.lenient(String.self, .description)
        }
    }

    struct IssuePayload: Decodable {
        var number: Int?
        var title: String?
        var body: String?
        var state: String?
        var locked: Bool?
        var labels: [LabelPayload]?
        var user: Account?
        var isPullRequest: Bool
        var updatedAt: String?

        enum CodingKeys: String, CodingKey {
            case number, title, body, state, locked, labels, user
            case pullRequest = "pull_request"
            case updatedAt = "updated_at"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            number = c.lenient(Int.self, .number)
            title = c.lenient(String.self, .title)
            body = c.lenient(String.self, .body)
            state = c.lenient(String.self, .state)
            locked = c.lenient(Bool.self, .locked)
            labels = c.lenient([LabelPayload].self, .labels)
            user = c.lenient(Account.self, .user)
            // Present and not null means the "issue" is a pull request.
            isPullRequest = c.contains(.pullRequest) && !((try? c.decodeNil(forKey: .pullRequest)) ?? true)
            updatedAt = c.lenient(String.self, .updatedAt)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is absent, null or of another type.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
