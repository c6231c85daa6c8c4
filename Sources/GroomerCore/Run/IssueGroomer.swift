import Foundation
import Logging

/// Grooms one issue: live read, candidates, fingerprint, triage, policy, fresh
/// re-read, apply, audit. Returns the audit record and what the request should become.
public struct IssueGroomer: Sendable {
    /// What a groom reads and writes of the store: the last fingerprint, the label ledger.
    public let store: any AuditLog & LabelLedger
    /// Nil offline: the issue comes from the delivery's copy and nothing is written.
    public let github: (any GitHubAPI)?
    /// What decides the labels: rules, the learned model, an LLM, or the cascade.
    public let triage: any Triage
    public let configuration: GroomerConfiguration
    /// The operator's policy with each repository's own file over it, read as grooms need it.
    public let policies: RepositoryPolicies
    public let botLogin: String?
    public let clock: any GroomerClock
    public let logger: Logger
    /// Tries before a failing request is given up (until its next event).
    public var maxAttempts = 5

    /// GitHub's default labels: the candidates offline when the configuration names none.
    public static let gitHubDefaultLabels: [LabelInfo] = [
        LabelInfo(name: "bug", description: "Something isn't working"),
        LabelInfo(name: "documentation", description: "Improvements or additions to documentation"),
        LabelInfo(name: "duplicate", description: "This issue or pull request already exists"),
        LabelInfo(name: "enhancement", description: "New feature or request"),
        LabelInfo(name: "good first issue", description: "Good for newcomers"),
        LabelInfo(name: "help wanted", description: "Extra attention is needed"),
        LabelInfo(name: "invalid", description: "This doesn't seem right"),
        LabelInfo(name: "question", description: "Further information is requested"),
        LabelInfo(name: "wontfix", description: "This will not be worked on"),
    ]

    public init(store: any AuditLog & LabelLedger, github: (any GitHubAPI)?, triage: any Triage, configuration: GroomerConfiguration,
                botLogin: String?, clock: any GroomerClock, logger: Logger) {
        self.store = store
        self.github = github
        self.triage = triage
        self.configuration = configuration
        self.policies = RepositoryPolicies(configuration: configuration, github: github, clock: clock, logger: logger)
        self.botLogin = botLogin
        self.clock = clock
        self.logger = logger
    }

    /// - Parameter forceDryRun: compute and record the plan but write nothing, whatever the policy says.
    ///
    /// A groom in four parts: read its inputs (`readInputs`), plan (`GroomPlanner.plan`, pure),
    /// apply the plan under the lock (`apply`), and record what happened (`record`), the one place
    /// a `GroomResult` becomes the audit record and the request's next state.
    public func groom(_ request: GroomRequest, runID: Int64?, forceDryRun: Bool = false,
                      lockHeld: @escaping @Sendable () -> Bool) async -> (GroomRecord, RequestCompletion) {
        let started = ContinuousClock.now
        let policy = await policies.current(for: request.key.repository, installation: request.installationID)
        let dryRun = forceDryRun || policy.dryRun || github == nil
        var logger = self.logger
        logger[metadataKey: "repository"] = "\(request.key.repository)"
        logger[metadataKey: "issue"] = "\(request.key.number)"
        let result: GroomResult
        do {
            switch try await readInputs(request, policy: policy, dryRun: dryRun) {
            case .finished(let early):
                result = early
            case .ready(let inputs):
                let decision = GroomPlanner.plan(triage: inputs.triage, current: inputs.issue.labels.map(\.name), candidates: inputs.candidates,
                                                 policy: LabelPolicy(policy), humans: inputs.humans, groomerOwned: inputs.owned)
                result = try await apply(decision, inputs: inputs, request: request, policy: policy, dryRun: dryRun, lockHeld: lockHeld)
            }
        } catch let failure as GroomFailure {
            result = .failed(failure.error, failure.trace)
        } catch {
            result = .failed(error, GroomTrace())
        }
        if case .failed(let error, _) = result { logger.warning("groom failed", metadata: ["error": "\(error)"]) }
        let (record, completion) = record(result, request: request, runID: runID, dryRun: dryRun, started: started)
        logger.info("groomed", metadata: ["outcome": "\(record.outcome.rawValue)", "plan": "\(record.plan?.rendered ?? "-")"])
        return (record, completion)
    }

    /// What a groom knew when it stopped, for the record of a failure.
    struct GroomTrace: Sendable {
        var fingerprint: String?
        var triage: TriageResult?
        /// The plan as decided before writing, and why proposals were left out of it.
        var plan: LabelPlan?
        var notes: [String: String] = [:]
        /// What was written before the failure.
        var written: LabelPlan?
    }

    /// A failure, with what the groom knew by then.
    struct GroomFailure: Error {
        var error: any Error
        var trace: GroomTrace
    }

    /// How a groom ended; `record` turns it into the audit record and the request's next state.
    enum GroomResult {
        case skipped(GroomPlanner.SkipReason)
        case unchanged(fingerprint: String)
        /// Decided and not written: `outcome` is `noChange` (an empty plan) or `dryRun`, and `reason` says why.
        case planned(GroomTrace, plan: LabelPlan, notes: [String: String], outcome: GroomRecord.Outcome, reason: String?)
        /// Written: `outcome` is `applied`, `suggested` or `noChange` (nothing left to write after the fresh read).
        case applied(GroomTrace, plan: LabelPlan, notes: [String: String], outcome: GroomRecord.Outcome)
        case failed(any Error, GroomTrace)
    }

    /// What a groom read before it decided.
    struct GroomInputs: Sendable {
        var issue: GitHubIssue
        var candidates: [LabelInfo]
        var fingerprint: String
        var triage: TriageResult
        var owned: Set<String>
        var humans: HumanLabelHistory
    }

    enum ReadInputs {
        case ready(GroomInputs)
        /// Skipped or unchanged: nothing to decide.
        case finished(GroomResult)
    }

    /// Part one: the issue as it is now, the candidates, the fingerprint, the triage's answer and
    /// what humans and groomer did before; or why there is nothing to decide.
    private func readInputs(_ request: GroomRequest, policy: Policy, dryRun: Bool) async throws -> ReadInputs {
        let key = request.key
        let issue: GitHubIssue
        switch try await readIssue(request) {
        case .skip(let reason): return .finished(.skipped(reason))
        case .issue(let read): issue = read
        }
        if let skip = GroomPlanner.skipReason(isPullRequest: issue.isPullRequest, state: issue.state, locked: issue.locked) {
            return .finished(.skipped(skip))
        }
        let candidates = try await candidateLabels(key, policy: policy, installation: request.installationID)
        let fingerprint = Fingerprint.of(title: issue.title, body: issue.body, candidates: candidates,
                                         triage: triage.identity(for: key.repository), rules: policy.rules, dryRun: dryRun)
        var trace = GroomTrace(fingerprint: fingerprint)
        do {
            if !request.forced, try await store.lastFingerprint(key) == fingerprint { return .finished(.unchanged(fingerprint: fingerprint)) }
            let result: TriageResult
            if candidates.isEmpty {
                result = TriageResult(source: .none, proposals: [], summary: "no candidate labels exist in the repository")
            } else {
                let input = TriageInput(repository: key.repository, title: issue.title, body: issue.body, candidates: candidates,
                                        rules: policy.rules, minConfidence: policy.minConfidence, isRetry: request.attempts > 0)
                do {
                    result = try await self.triage.triage(input)
                } catch let unusable as UnusableTriageAnswer {
                    trace.triage = TriageResult(source: unusable.source, proposals: [], summary: "unusable answer: \(unusable.problem)",
                                                model: unusable.model, rawOutput: unusable.raw, llmCalls: 1)
                    throw unusable
                }
            }
            trace.triage = result
            let owned = try await store.groomerOwnedLabels(key)
            let humans = try await humanHistory(key, proposals: result.proposals, installation: request.installationID)
            return .ready(GroomInputs(issue: issue, candidates: candidates, fingerprint: fingerprint, triage: result, owned: owned, humans: humans))
        } catch {
            throw GroomFailure(error: error, trace: trace)
        }
    }

    /// Part three: the plan written to GitHub, unless it is empty or a dry run. Just before
    /// writing the issue is read again and planned against what is there now: a human may have
    /// changed its labels meanwhile. Each write first checks the run still holds its lock.
    private func apply(_ decision: LabelPolicy.Decision, inputs: GroomInputs, request: GroomRequest, policy: Policy, dryRun: Bool,
                       lockHeld: @Sendable () -> Bool) async throws -> GroomResult {
        var trace = GroomTrace(fingerprint: inputs.fingerprint, triage: inputs.triage, plan: decision.plan, notes: decision.notes)
        if decision.plan.isEmpty {
            return .planned(trace, plan: decision.plan, notes: decision.notes, outcome: .noChange, reason: nil)
        }
        guard !dryRun, let github else {
            let reason = github == nil ? "dry run: no GitHub credentials, so nothing is written"
                : policy.dryRun ? "dry run: the policy's mode is dry_run (mode: suggest or write sends it)" : "dry run requested: nothing written"
            return .planned(trace, plan: decision.plan, notes: decision.notes, outcome: .dryRun, reason: reason)
        }
        let key = request.key, installation = request.installationID, result = inputs.triage
        var written = LabelPlan()
        do {
            guard lockHeld() else { throw RunInterrupted.lockLost }
            let fresh = try await github.issue(key, installation: installation)
            let humans = try await humanHistory(key, proposals: result.proposals, installation: installation)
            let final = GroomPlanner.plan(triage: result, current: fresh.labels.map(\.name), candidates: inputs.candidates,
                                          policy: LabelPolicy(policy), humans: humans, groomerOwned: inputs.owned).plan
            var notes = decision.notes
            let suggesting = policy.mode == .suggest
            if !final.add.isEmpty {
                guard lockHeld() else { throw RunInterrupted.lockLost }
                let rationale = LabelRationale(issueTitle: fresh.title, issueBody: fresh.body)
                let additions = final.add.map { name in
                    let proposal = result.proposals.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
                    return LabelAddition(name: name, rationale: proposal.map { rationale.text($0, source: result.source) },
                                         confidence: proposal.map { LabelAddition.confidence($0.confidence) }, suggest: suggesting)
                }
                do {
                    try await github.addLabels(additions, to: key, installation: installation)
                } catch GitHubError.unprocessable(let message) where suggesting {
                    // Suggest mode never falls back to writing.
                    let reason = "GitHub refused the label suggestions (\(message)); suggest mode never writes instead, so nothing was written"
                    trace.written = written
                    return .planned(trace, plan: final, notes: notes, outcome: .dryRun, reason: reason)
                }
                written.add = final.add
                // A suggestion is not on the issue until a human accepts it: it is not groomer's label.
                if !suggesting { try await store.recordGroomerLabels(key, added: final.add, removed: [], now: clock.now()) }
            }
            if suggesting {
                notes.merge(final.remove.map { ($0, "not removed: suggest mode only suggests additions") }) { first, _ in first }
                trace.written = written
                return .applied(trace, plan: final, notes: notes, outcome: written.add.isEmpty ? .noChange : .suggested)
            }
            for label in final.remove {
                guard lockHeld() else { throw RunInterrupted.lockLost }
                try await github.removeLabel(label, from: key, installation: installation)
                written.remove.append(label)
                try await store.recordGroomerLabels(key, added: [], removed: [label], now: clock.now())
            }
            trace.written = written
            return .applied(trace, plan: final, notes: notes, outcome: final.isEmpty ? .noChange : .applied)
        } catch {
            trace.written = written
            throw GroomFailure(error: error, trace: trace)
        }
    }

    /// Part four: the audit record of a groom and what its request becomes, in one place.
    private func record(_ result: GroomResult, request: GroomRequest, runID: Int64?, dryRun: Bool,
                        started: ContinuousClock.Instant) -> (GroomRecord, RequestCompletion) {
        var record = GroomRecord(key: request.key, runID: runID, requestVersion: request.version, outcome: .failed,
                                 dryRun: dryRun, forced: request.forced, durationMilliseconds: 0, createdAt: clock.now())
        var completion = RequestCompletion.done
        func take(_ trace: GroomTrace) {
            (record.fingerprint, record.triage, record.written) = (trace.fingerprint, trace.triage, trace.written)
            (record.plan, record.notes) = (trace.plan, trace.notes)
        }
        switch result {
        case .skipped(let reason):
            record.outcome = .skipped
            record.skip = reason
            record.reason = reason.description
        case .unchanged(let fingerprint):
            record.outcome = .unchanged
            record.fingerprint = fingerprint
            record.reason = "content unchanged since the last groom"
        case .planned(let trace, let plan, let notes, let outcome, let reason):
            take(trace)
            (record.plan, record.notes, record.outcome, record.reason) = (plan, notes, outcome, reason)
        case .applied(let trace, let plan, let notes, let outcome):
            take(trace)
            (record.plan, record.notes, record.outcome) = (plan, notes, outcome)
        case .failed(let error, let trace):
            take(trace)
            record.outcome = .failed
            record.reason = "\(error)"
            completion = failure(error, attempts: request.attempts)
        }
        record.durationMilliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
        return (record, completion)
    }

    /// The live issue, or offline the delivery's copy of it; or why there is none to groom.
    private enum IssueRead {
        case issue(GitHubIssue)
        case skip(GroomPlanner.SkipReason)
    }

    private func readIssue(_ request: GroomRequest) async throws -> IssueRead {
        guard let github else {
            guard let snapshot = request.snapshot else { return .skip(.noCopyOffline) }
            return .issue(GitHubIssue(number: request.key.number, title: snapshot.title, body: snapshot.body, state: snapshot.state,
                                        locked: snapshot.locked, labels: snapshot.labels, author: snapshot.author))
        }
        do {
            return .issue(try await github.issue(request.key, installation: request.installationID))
        } catch GitHubError.moved {
            return .skip(.transferred)
        } catch GitHubError.gone {
            return .skip(.deleted)
        } catch GitHubError.notFound {
            return .skip(.notFound)
        }
    }

    /// Configured labels that exist in the repository; the groomer never creates labels.
    private func candidateLabels(_ key: IssueKey, policy: Policy, installation: Int64?) async throws -> [LabelInfo] {
        policy.candidates(among: try await github?.repositoryLabels(key.repository, installation: installation) ?? Self.gitHubDefaultLabels)
    }

    /// Human label decisions from the receiver's record; for a proposed label the record says
    /// nothing about, the issue's events fill the gap.
    private func humanHistory(_ key: IssueKey, proposals: [LabelProposal], installation: Int64?) async throws -> HumanLabelHistory {
        let decisions = try await store.labelDecisions(for: key)
        var history = HumanLabelHistory(decisions: decisions)
        let recorded = Set(decisions.map { $0.label.lowercased() })
        guard let github, proposals.contains(where: { !recorded.contains($0.name.lowercased()) }) else { return history }
        let events = try await github.issueEvents(key, installation: installation)
        for (label, event) in IssueEvent.latestHumanLabelChanges(events, groomerLogin: botLogin) where !recorded.contains(label) {
            if event.event == "unlabeled" { history.removed.insert(label) } else { history.added.insert(label) }
        }
        return history
    }

    /// A failure's effect on the request: retry with backoff, at GitHub's word when rate limited, or give up.
    private func failure(_ error: any Error, attempts: Int) -> RequestCompletion {
        let now = clock.now()
        if error is RunInterrupted { return .retry(error: "\(error)", retryAt: now) }
        if attempts + 1 >= maxAttempts { return .giveUp(error: "\(error)") }
        if case GitHubError.rateLimited(let retryAt?) = error { return .retry(error: "\(error)", retryAt: max(retryAt, now + 1)) }
        let backoff = min(3_600, 30 * pow(2, Double(attempts)))
        return .retry(error: "\(error)", retryAt: now + backoff)
    }
}

/// The run must stop: its lock is no longer held.
enum RunInterrupted: Error, CustomStringConvertible {
    case lockLost
    var description: String { "the run lost its lock before writing" }
}
