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

    /// Why a groom stopped early without failing.
    private struct Skip: Error {
        var reason: GroomPlanner.SkipReason
    }

    /// - Parameter forceDryRun: compute and record the plan but write nothing, whatever the policy says.
    public func groom(_ request: GroomRequest, runID: Int64?, forceDryRun: Bool = false,
                      lockHeld: @escaping @Sendable () -> Bool) async -> (GroomRecord, RequestCompletion) {
        let started = ContinuousClock.now
        let policy = await policies.current(for: request.key.repository, installation: request.installationID)
        let dryRun = forceDryRun || policy.dryRun || github == nil
        var record = GroomRecord(key: request.key, runID: runID, requestVersion: request.version, outcome: .failed,
                                 dryRun: dryRun, forced: request.forced, durationMilliseconds: 0, createdAt: clock.now())
        var logger = self.logger
        logger[metadataKey: "repository"] = "\(request.key.repository)"
        logger[metadataKey: "issue"] = "\(request.key.number)"
        let completion: RequestCompletion
        do {
            completion = try await groom(request, policy: policy, dryRun: dryRun, record: &record, lockHeld: lockHeld)
        } catch let skip as Skip {
            record.outcome = .skipped
            record.skip = skip.reason
            record.reason = skip.reason.description
            completion = .done
        } catch {
            record.outcome = .failed
            record.reason = "\(error)"
            completion = failure(error, attempts: request.attempts)
            logger.warning("groom failed", metadata: ["error": "\(error)"])
        }
        record.durationMilliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
        record.createdAt = clock.now()
        logger.info("groomed", metadata: ["outcome": "\(record.outcome.rawValue)", "plan": "\(record.plan?.rendered ?? "-")"])
        return (record, completion)
    }

    private func groom(_ request: GroomRequest, policy: Policy, dryRun: Bool, record: inout GroomRecord,
                       lockHeld: @escaping @Sendable () -> Bool) async throws -> RequestCompletion {
        let key = request.key
        let issue = try await readIssue(request)
        if let skip = GroomPlanner.skipReason(isPullRequest: issue.isPullRequest, state: issue.state, locked: issue.locked) {
            throw Skip(reason: skip)
        }

        let candidates = try await candidateLabels(key, policy: policy, installation: request.installationID)
        let fingerprint = Fingerprint.of(title: issue.title, body: issue.body, candidates: candidates,
                                         triage: triage.identity(for: key.repository),
                                         rules: policy.rules, dryRun: dryRun)
        record.fingerprint = fingerprint
        if !request.forced, try await store.lastFingerprint(key) == fingerprint {
            record.outcome = .unchanged
            record.reason = "content unchanged since the last groom"
            return .done
        }

        let input = TriageInput(repository: key.repository, title: issue.title, body: issue.body, candidates: candidates,
                                rules: policy.rules, minConfidence: policy.minConfidence, isRetry: request.attempts > 0)
        let result: TriageResult
        if candidates.isEmpty {
            result = TriageResult(source: .none, proposals: [], summary: "no candidate labels exist in the repository")
        } else {
            do {
                result = try await self.triage.triage(input)
            } catch let unusable as UnusableTriageAnswer {
                record.triage = TriageResult(source: unusable.source, proposals: [], summary: "unusable answer: \(unusable.problem)",
                                             model: unusable.model, rawOutput: unusable.raw, llmCalls: 1)
                throw unusable
            }
        }
        record.triage = result

        let labelPolicy = LabelPolicy(policy)
        let owned = try await store.groomerOwnedLabels(key)
        var humans = try await humanHistory(key, proposals: result.proposals, installation: request.installationID)
        let decision = GroomPlanner.plan(triage: result, current: issue.labels.map(\.name), candidates: candidates,
                                         policy: labelPolicy, humans: humans, groomerOwned: owned)
        record.plan = decision.plan
        record.notes = decision.notes
        if decision.plan.isEmpty {
            record.outcome = .noChange
            return .done
        }
        guard !dryRun, let github else {
            record.outcome = .dryRun
            record.reason = github == nil ? "dry run: no GitHub credentials, so nothing is written"
                : policy.dryRun ? "dry run: the policy's mode is dry_run (mode: suggest or write sends it)" : "dry run requested: nothing written"
            return .done
        }

        // Re-read just before writing and plan against what is there now: a human may have changed the labels meanwhile.
        guard lockHeld() else { throw RunInterrupted.lockLost }
        let fresh = try await github.issue(key, installation: request.installationID)
        humans = try await humanHistory(key, proposals: result.proposals, installation: request.installationID)
        let final = GroomPlanner.plan(triage: result, current: fresh.labels.map(\.name), candidates: candidates,
                                      policy: labelPolicy, humans: humans, groomerOwned: owned).plan
        var written = LabelPlan()
        defer { record.written = written }
        let suggesting = policy.mode == .suggest
        if !final.add.isEmpty {
            guard lockHeld() else { throw RunInterrupted.lockLost }
            let additions = final.add.map { name in
                let proposal = result.proposals.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
                return LabelAddition(name: name, rationale: proposal.map { Self.rationale($0, source: result.source) },
                                     confidence: proposal.map { LabelAddition.confidence($0.confidence) }, suggest: suggesting)
            }
            do {
                try await github.addLabels(additions, to: key, installation: request.installationID)
            } catch GitHubError.unprocessable(let message) where suggesting {
                // Suggest mode never falls back to writing.
                record.plan = final
                record.outcome = .dryRun
                record.reason = "GitHub refused the label suggestions (\(message)); suggest mode never writes instead, so nothing was written"
                return .done
            }
            written.add = final.add
            // A suggestion is not on the issue until a human accepts it: it is not groomer's label.
            if !suggesting { try await store.recordGroomerLabels(key, added: final.add, removed: [], now: clock.now()) }
        }
        if suggesting {
            if !final.remove.isEmpty {
                record.notes.merge(final.remove.map { ($0, "not removed: suggest mode only suggests additions") }) { first, _ in first }
            }
            record.plan = final
            record.outcome = written.add.isEmpty ? .noChange : .suggested
            return .done
        }
        for label in final.remove {
            guard lockHeld() else { throw RunInterrupted.lockLost }
            try await github.removeLabel(label, from: key, installation: request.installationID)
            written.remove.append(label)
            try await store.recordGroomerLabels(key, added: [], removed: [label], now: clock.now())
        }
        record.plan = final
        record.outcome = final.isEmpty ? .noChange : .applied
        return .done
    }

    /// Why a label is proposed, as GitHub shows it beside the label: the triage's reason without
    /// anything quoted from the issue (an author's words are not echoed back), at most 280 characters.
    static func rationale(_ proposal: LabelProposal, source: TriageSource) -> String {
        var text = ""
        var quoted = false
        for character in proposal.reason {
            if character == "\"" || character == "“" || character == "”" {
                if !quoted { text += "…" }
                quoted.toggle()
            } else if !quoted {
                text.append(character)
            }
        }
        let who = source == .llm ? "LLM" : source.rawValue
        return String("groomer (\(who), \(Int((proposal.confidence * 100).rounded()))%): \(text)".prefix(280))
    }

    /// The live issue, or offline the delivery's copy of it.
    private func readIssue(_ request: GroomRequest) async throws -> GitHubIssue {
        guard let github else {
            guard let snapshot = request.snapshot else { throw Skip(reason: .noCopyOffline) }
            return GitHubIssue(number: request.key.number, title: snapshot.title, body: snapshot.body, state: snapshot.state,
                               locked: snapshot.locked, labels: snapshot.labels, author: snapshot.author)
        }
        do {
            return try await github.issue(request.key, installation: request.installationID)
        } catch GitHubError.moved {
            throw Skip(reason: .transferred)
        } catch GitHubError.gone {
            throw Skip(reason: .deleted)
        } catch GitHubError.notFound {
            throw Skip(reason: .notFound)
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
        var latest: [String: String] = [:]
        for event in events where event.event == "labeled" || event.event == "unlabeled" {
            guard let label = event.label?.lowercased(), !recorded.contains(label), !event.isByBot(groomerLogin: botLogin) else { continue }
            latest[label] = event.event
        }
        for (label, event) in latest {
            if event == "unlabeled" { history.removed.insert(label) } else { history.added.insert(label) }
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
