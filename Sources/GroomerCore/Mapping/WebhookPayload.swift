/// The parts of a webhook payload the mapper reads, as `PayloadScanner` fills them: a field
/// that is missing or of another type is nil, and the mapper decides whether the event needs it.
struct WebhookPayload {
    var action: String?
    var sender: Account?
    var repository: Repository?
    var installation: Identified?
    var issue: IssuePayload?
    var label: LabelPayload?
    var hookID: Int64?
    var hook: Identified?

    struct Account {
        var login: String?
        var type: String?
    }

    struct Repository {
        /// `full_name`
        var fullName: String?
    }

    /// An object known by its `id` (an installation, a hook).
    struct Identified {
        var id: Int64?
    }

    struct LabelPayload {
        var name: String?
        var description: String?
    }

    struct IssuePayload {
        var number: Int?
        var title: String?
        var body: String?
        var state: String?
        var locked: Bool?
        var labels: [LabelPayload]?
        var user: Account?
        /// `pull_request` is present and not null.
        var isPullRequest = false
        /// `updated_at`
        var updatedAt: String?
    }
}
