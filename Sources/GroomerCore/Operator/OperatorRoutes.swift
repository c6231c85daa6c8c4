import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOFoundationCompat

/// The operator endpoints under `/api`: run now, manual re-groom, the audit and the learned models.
public struct OperatorRoutes: Sendable {
    public let runner: GroomerRunner
    public let store: any GroomerStore
    /// Told when a request is queued, so it is groomed without waiting for a poll.
    public let onQueued: @Sendable () -> Void

    public init(runner: GroomerRunner, store: any GroomerStore, onQueued: @escaping @Sendable () -> Void = {}) {
        self.runner = runner
        self.store = store
        self.onQueued = onQueued
    }

    public func add<Context: RequestContext>(to router: Router<Context>, adminToken: String?) {
        let api = router.group("/api").add(middleware: AdminAuthMiddleware<Context>(token: adminToken))
        api.post("/groomer/run") { _, _ in try await runNow() }
        for method in [HTTPRequest.Method.get, .put, .patch, .delete] {
            api.on("/groomer/run", method: method) { _, _ -> Response in throw APIError.methodNotAllowed(allow: "POST") }
            api.on("/repos/:owner/:repo/issues/:number/groom", method: method) { _, _ -> Response in throw APIError.methodNotAllowed(allow: "POST") }
        }
        api.post("/repos/:owner/:repo/issues/:number/groom") { request, context in
            try await groom(try Self.issueKey(context), query: request.uri.queryParameters)
        }
        api.get("/runs") { request, _ in try await runs(request.uri.queryParameters) }
        api.get("/repos/:owner/:repo/issues/:number/history") { _, context in try await history(try Self.issueKey(context)) }
        api.get("/repos/:owner/:repo/model") { _, context in try await model(try Self.repository(context)) }
        api.get("/repos/:owner/:repo/config") { _, context in try await config(try Self.repository(context)) }
        api.post("/repos/:owner/:repo/backfill") { request, context in
            try await backfill(try Self.repository(context), query: request.uri.queryParameters)
        }
    }

    // MARK: Handlers

    func runNow() async throws -> Response {
        let started = ContinuousClock.now
        switch try await runner.run(trigger: .manual) {
        case .busy(let holder, let since):
            return Self.json(.conflict, Busy(error: "another run holds the lock", holder: holder,
                                             heldSeconds: max(0, runner.groomer.clock.now().timeIntervalSince(since))))
        case .completed(let runID, let summary, _):
            return Self.json(.ok, RunReply(runID: runID, summary: summary, durationMilliseconds: Self.milliseconds(since: started)))
        }
    }

    func groom(_ key: IssueKey, query: FlatDictionary<Substring, Substring>) async throws -> Response {
        let wait = Self.flag(query["wait"])
        if Self.flag(query["dry_run"]) { return try Self.decision(try await dryRunGroom(key)) }
        let request = try await queueForced(key)
        guard wait else {
            onQueued()
            return Self.json(.accepted, ["queued": QueuedReply(key: key, dueAt: request.dueAt.iso8601)])
        }
        switch try await runner.run(trigger: .manual) {
        case .busy(let holder, let since):
            onQueued()
            return Self.json(.conflict, Busy(error: "another run holds the lock; the issue is queued, due now", holder: holder,
                                             heldSeconds: max(0, runner.groomer.clock.now().timeIntervalSince(since))))
        case .completed(_, _, let records):
            guard let record = records.first(where: { $0.key == key }) else {
                return Self.json(.accepted, ["queued": QueuedReply(key: key, dueAt: request.dueAt.iso8601)])
            }
            return try Self.decision(record)
        }
    }

    /// A groom computed and recorded now, never written; the queue is left as it was.
    /// - Throws: `APIError` 404 for an issue GitHub does not have, 502 when GitHub fails.
    func dryRunGroom(_ key: IssueKey) async throws -> GroomRecord {
        let existing = try await store.groomRequest(key)
        try await requireIssue(key, installation: existing?.installationID, snapshot: existing?.snapshot)
        let now = runner.groomer.clock.now()
        var request = existing ?? GroomRequest(key: key, status: .pending, firstEventAt: now, lastEventAt: now, dueAt: now, events: 0,
                                               version: 0, forced: true, attempts: 0, lastError: nil, installationID: nil, snapshot: nil)
        request.forced = true
        let (record, _) = await runner.groomer.groom(request, runID: nil, forceDryRun: true, lockHeld: { true })
        try await store.recordGroom(record)
        return record
    }

    /// A forced groom queued, due now (the caller wakes the scheduler or runs).
    func queueForced(_ key: IssueKey) async throws -> GroomRequest {
        let existing = try await store.groomRequest(key)
        try await requireIssue(key, installation: existing?.installationID, snapshot: existing?.snapshot)
        return try await store.enqueueForced(key, installationID: existing?.installationID, now: runner.groomer.clock.now())
    }

    func runs(_ query: FlatDictionary<Substring, Substring>) async throws -> Response {
        guard query["limit"] == nil || query["limit"].flatMap({ Int($0) }).map({ (1...100).contains($0) }) == true else {
            throw APIError.badRequest("limit must be a number from 1 to 100")
        }
        let limit = query["limit"].flatMap { Int($0) } ?? 20
        guard query["before"] == nil || query["before"].flatMap({ Int64($0) }) != nil else {
            throw APIError.badRequest("before must be a run id")
        }
        let page = try await store.runs(limit: limit, before: query["before"].flatMap { Int64($0) })
        return Self.json(.ok, RunsPage(runs: page.map(RunReply.init), nextBefore: page.count == limit ? page.last?.id : nil))
    }

    func history(_ key: IssueKey) async throws -> Response {
        async let deliveries = store.deliveries(for: key, limit: 100)
        async let grooms = store.groomRecords(for: key, limit: 50)
        async let decisions = store.labelDecisions(for: key)
        return Self.json(.ok, History(issue: key.description, deliveries: try await deliveries.map(DeliveryReply.init),
                                      grooms: try await grooms.map(DecisionReport.init),
                                      labelDecisions: try await decisions.reversed().map(LabelDecisionReply.init)))
    }

    func model(_ repository: String) async throws -> Response {
        guard let stored = try await store.models.storedModel(for: repository) else {
            throw APIError.notFound("no model for \(repository) yet: `groomer learn \(repository)` trains one, and serve does in the background")
        }
        return Self.json(.ok, ModelReport(stored))
    }

    /// The repository's policy as its next groom would use it: its file is read first when the
    /// copy held is stale, so a file just pushed shows here.
    func config(_ repository: String) async throws -> Response {
        let policies = runner.groomer.policies
        let installation = try await store.models.installationID(of: repository)
        let policy = await policies.current(for: repository, installation: installation)
        return Self.json(.ok, RepositoryConfigReport(repository: repository, policy: policy, status: policies.status(for: repository),
                                                     settings: policies.configuration.repositoryConfig))
    }

    func backfill(_ repository: String, query: FlatDictionary<Substring, Substring>) async throws -> Response {
        guard let github = runner.groomer.github else {
            throw APIError(status: .conflict, reason: "no GitHub credentials: backfill reads the repository's open issues from GitHub")
        }
        let limit = query["limit"].map { Int($0) } ?? 1_000
        guard let limit, (1...100_000).contains(limit) else { throw APIError.badRequest("limit must be a number from 1 to 100000") }
        let since = query["since"].map { Date(day: String($0)) }
        if let since, since == nil { throw APIError.badRequest("since must be a day, YYYY-MM-DD") }
        let installation = try await store.models.installationID(of: repository)
        let backfill = Backfill(store: store, github: github, configuration: runner.groomer.configuration,
                                clock: runner.groomer.clock, logger: runner.groomer.logger)
        let summary: Backfill.Summary
        do {
            summary = try await backfill.run(repository, installation: installation, since: since ?? nil, limit: limit)
        } catch GitHubError.notFound {
            throw APIError.notFound("GitHub has no repository \(repository)")
        } catch let error as GitHubError {
            throw APIError(status: .badGateway, reason: "\(error)")
        }
        if summary.queued > 0 { onQueued() }
        return Self.json(.accepted, summary)
    }

    /// 404 for an issue GitHub does not have (or, offline, that no delivery ever showed).
    private func requireIssue(_ key: IssueKey, installation: Int64?, snapshot: IssueSnapshot?) async throws {
        guard let github = runner.groomer.github else {
            guard snapshot != nil else { throw APIError.notFound("no delivery for \(key) and no GitHub credentials to read it") }
            return
        }
        do {
            _ = try await github.issue(key, installation: installation)
        } catch GitHubError.notFound, GitHubError.gone {
            throw APIError.notFound("GitHub has no issue \(key)")
        } catch let error as GitHubError {
            throw APIError(status: .badGateway, reason: "\(error)")  // its description names GitHub
        }
    }

    // MARK: Replies

    static func issueKey(_ context: some RequestContext) throws -> IssueKey {
        guard let owner = context.parameters.get("owner"), let repo = context.parameters.get("repo"),
              let number = context.parameters.get("number").flatMap({ Int($0) }), number > 0 else {
            throw APIError.badRequest("expected /repos/OWNER/REPO/issues/NUMBER")
        }
        return IssueKey(repository: "\(owner)/\(repo)", number: number)
    }

    static func repository(_ context: some RequestContext) throws -> String {
        guard let owner = context.parameters.get("owner"), let repo = context.parameters.get("repo") else {
            throw APIError.badRequest("expected /repos/OWNER/REPO")
        }
        return "\(owner)/\(repo)"
    }

    static func flag(_ value: Substring?) -> Bool {
        guard let value else { return false }
        return ["true", "1", "yes", ""].contains(value.lowercased())
    }

    static func decision(_ record: GroomRecord) throws -> Response {
        if record.skip == .notFound { throw APIError.notFound("GitHub has no issue \(record.key)") }
        return json(.ok, DecisionReport(record))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start) / .milliseconds(1))
    }

    static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: CompactJSON.api(value))))
    }

    struct Busy: Encodable {
        var error: String
        var holder: String
        var heldSeconds: Double
        enum CodingKeys: String, CodingKey {
            case error, holder
            case heldSeconds = "held_seconds"
        }
    }

    struct QueuedReply: Encodable {
        var repository: String
        var issue: Int
        var dueAt: String
        var forced = true
        init(key: IssueKey, dueAt: String) {
            repository = key.repository
            issue = key.number
            self.dueAt = dueAt
        }
        enum CodingKeys: String, CodingKey {
            case repository, issue, forced
            case dueAt = "due_at"
        }
    }

    struct RunReply: Encodable {
        var runID: Int64
        var trigger: String?
        var startedAt: String?
        var result: String
        var considered: Int
        var groomed: Int
        var skipped: Int
        var failed: Int
        var durationMilliseconds: Int?

        init(runID: Int64, summary: RunSummary, durationMilliseconds: Int) {
            self.runID = runID
            result = summary.result.rawValue
            considered = summary.considered
            groomed = summary.groomed
            skipped = summary.skipped
            failed = summary.failed
            self.durationMilliseconds = durationMilliseconds
        }

        init(_ run: RunRecord) {
            self.init(runID: run.id, summary: run.summary, durationMilliseconds: 0)
            trigger = run.trigger.rawValue
            startedAt = run.startedAt.iso8601
            durationMilliseconds = run.finishedAt.map { Int($0.timeIntervalSince(run.startedAt) * 1000) }
        }

        enum CodingKeys: String, CodingKey {
            case result, considered, groomed, skipped, failed, trigger
            case runID = "run_id"
            case startedAt = "started_at"
            case durationMilliseconds = "duration_ms"
        }
    }

    struct RunsPage: Encodable {
        var runs: [RunReply]
        var nextBefore: Int64?
        enum CodingKeys: String, CodingKey {
            case runs
            case nextBefore = "next_before"
        }
    }

    struct DeliveryReply: Encodable {
        var hookID: String
        var guid: String
        var event: String
        var action: String?
        var repository: String?
        var issueNumber: Int?
        var sender: String?
        var installationID: Int64?
        var receivedAt: String
        var outcome: String
        var reason: String?
        init(_ d: DeliveryRecord) {
            (hookID, guid, event, action, repository, issueNumber) = (d.hookID, d.guid, d.event, d.action, d.repository, d.issueNumber)
            (sender, installationID, receivedAt, outcome, reason) = (d.sender, d.installationID, d.receivedAt.iso8601, d.outcome.rawValue, d.reason)
        }
        enum CodingKeys: String, CodingKey {
            case guid, event, action, repository, sender, outcome, reason
            case hookID = "hook_id"
            case issueNumber = "issue_number"
            case installationID = "installation_id"
            case receivedAt = "received_at"
        }
    }

    struct LabelDecisionReply: Encodable {
        var label: String
        var change: String
        var actor: String
        var decidedAt: String
        var deliveryGUID: String?
        init(_ d: LabelDecision) {
            (label, change, actor, decidedAt, deliveryGUID) = (d.label, d.change.rawValue, d.actor, d.decidedAt.iso8601, d.deliveryGUID)
        }
        enum CodingKeys: String, CodingKey {
            case label, change, actor
            case decidedAt = "decided_at"
            case deliveryGUID = "delivery_guid"
        }
    }

    struct History: Encodable {
        var issue: String
        var deliveries: [DeliveryReply]
        var grooms: [DecisionReport]
        var labelDecisions: [LabelDecisionReply]
        enum CodingKeys: String, CodingKey {
            case issue, deliveries, grooms
            case labelDecisions = "label_decisions"
        }
    }
}
