import Foundation

/// `groomer eval`: runs the planner a groom runs (triage, then policy) over labelled issues,
/// with no GitHub and no store, and scores it.
public struct Evaluation: Sendable {
    public var train: [LabelledIssue]
    public var test: [LabelledIssue]
    public var configuration: GroomerConfiguration
    public var learning: LearningSettings
    /// How train and test were chosen, for the report.
    public var split: String

    /// - Parameter labelMap: renames labels before anything else (`feature` → `enhancement`).
    public init(train: [LabelledIssue], test: [LabelledIssue]?, configuration: GroomerConfiguration,
                learning: LearningSettings = LearningSettings(), labelMap: [String: String] = [:]) {
        func mapped(_ issues: [LabelledIssue]) -> [LabelledIssue] { Self.relabelled(issues, labelMap) }
        if let test {
            self.train = mapped(train)
            self.test = mapped(test)
            split = "given train and test files"
        } else {
            (self.train, self.test) = Self.timeSplit(mapped(train))
            split = "by created_at within each repository: the older half trains, the newer half tests"
        }
        self.configuration = configuration
        self.learning = learning
    }

    /// The issues with their labels renamed by `labelMap` (`FROM` matched without regard to case).
    public static func relabelled(_ issues: [LabelledIssue], _ labelMap: [String: String]) -> [LabelledIssue] {
        let map = Dictionary(labelMap.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        return issues.map { issue in
            var issue = issue
            issue.labels = issue.labels.map { map[$0.lowercased()] ?? $0 }
            return issue
        }
    }

    /// A label the tested issues of a repository carry that its training issues hold fewer
    /// than `learning.minExamples` of: a model learned from them never writes it, so the scores
    /// of a time split measure the corpus's drift, not the model.
    public struct ScarceLabel: Sendable, Equatable {
        public var repository: String
        public var label: String
        public var train: Int
        public var test: Int
    }

    /// The labels scarce in training, by repository and label.
    public var scarceInTraining: [ScarceLabel] {
        func counts(_ issues: [LabelledIssue]) -> [String: [String: Int]] {
            var counts: [String: [String: Int]] = [:]
            for issue in issues { for label in issue.labels { counts[issue.repository, default: [:]][label, default: 0] += 1 } }
            return counts
        }
        let (trained, tested) = (counts(train), counts(test))
        return tested.keys.sorted().flatMap { repository in
            tested[repository, default: [:]].sorted { $0.key < $1.key }.compactMap { label, test in
                let train = trained[repository]?[label] ?? 0
                return train < learning.minExamples ? ScarceLabel(repository: repository, label: label, train: train, test: test) : nil
            }
        }
    }

    /// Per repository, the older half (by `created_at`, then file order) and the newer half.
    static func timeSplit(_ issues: [LabelledIssue]) -> ([LabelledIssue], [LabelledIssue]) {
        var byRepository: [String: [(Int, LabelledIssue)]] = [:]
        for (index, issue) in issues.enumerated() { byRepository[issue.repository.lowercased(), default: []].append((index, issue)) }
        var train: [LabelledIssue] = [], test: [LabelledIssue] = []
        for key in byRepository.keys.sorted() {
            let sorted = byRepository[key]!.sorted { ($0.1.createdAt ?? .distantPast, $0.0) < ($1.1.createdAt ?? .distantPast, $1.0) }
            let half = sorted.count / 2
            train += sorted.prefix(half).map(\.1)
            test += sorted.dropFirst(half).map(\.1)
        }
        return (train, test)
    }

    /// How one repository's issues are scored: its candidates, its exclusive groups and its policy.
    public struct RepositoryScoring: Sendable {
        /// The policy's candidates where it names them, else every label of the corpus.
        public var candidates: [LabelInfo]
        /// The policy's groups; where every issue carries exactly one candidate and no group
        /// holds them all, the candidates as one group (a forced choice, as the benchmark scores it).
        public var groups: [[String]]
        public var inferredGroups: Bool
        public var policy: Policy
    }

    public func scoring(for repository: String) -> RepositoryScoring {
        let policy = configuration.policy(for: repository)
        let corpus = Set((train + test).flatMap(\.labels))
        var candidates = corpus.sorted().map { LabelInfo(name: $0) }
        if let configured = policy.labels {
            let present = Set(corpus.map { $0.lowercased() })
            candidates = configured.filter { present.contains($0.name.lowercased()) }
        }
        let labels = Set(candidates.map { $0.name.lowercased() })
        let covered = policy.groups.contains { Set($0.map { $0.lowercased() }).isSuperset(of: labels) }
        let single = (train + test).allSatisfy { $0.labels.filter { labels.contains($0.lowercased()) }.count == 1 }
        let inferred = !covered && single && labels.count >= 2
        return RepositoryScoring(candidates: candidates, groups: inferred ? [candidates.map(\.name)] : policy.groups,
                                 inferredGroups: inferred, policy: policy)
    }

    /// The scoring of every repository of the corpus, computed once.
    private var scorings: [String: RepositoryScoring] {
        Dictionary(uniqueKeysWithValues: Set((train + test).map(\.repository)).map { ($0, scoring(for: $0)) })
    }

    /// Trains a model per repository of the training issues: its own where it has enough
    /// examples, else one borrowed from the others.
    public func trainModels(now: Date? = nil) -> [String: LabelModel] {
        var models: [String: LabelModel] = [:]
        for (repository, scoring) in scorings.sorted(by: { $0.key < $1.key }) {
            let candidates = scoring.candidates.map(\.name)
            let groups = scoring.groups
            let own = train.filter { $0.repository.caseInsensitiveCompare(repository) == .orderedSame }
            if let model = ModelTrainer.train(repository: repository, examples: own, candidates: candidates, groups: groups,
                                              settings: learning, now: now) {
                models[repository] = model
            } else {
                let others = train.filter { $0.repository.caseInsensitiveCompare(repository) != .orderedSame }
                models[repository] = ModelTrainer.trainBorrowed(repository: repository, pool: others, candidates: candidates,
                                                                groups: groups, settings: learning, now: now)
            }
        }
        return models
    }

    /// Scores `triage` on the test issues.
    public func score(_ triage: any Triage) async throws -> EvaluationReport {
        var tally = Tally()
        try await score(triage, into: &tally)
        return tally.report
    }

    /// Scoreboards per repository and overall, added to across folds.
    public struct Tally: Sendable {
        var boards: [String: Scoreboard] = [:]
        var overall: Scoreboard?
        var llmCalls = 0
        var inferredGroups = false

        public init() {}

        public var report: EvaluationReport {
            let repositories = boards.mapValues(\.score)
            var total = (overall ?? Scoreboard(labels: [])).score
            if !repositories.isEmpty { total.macroF1 = repositories.values.map(\.macroF1).reduce(0, +) / Double(repositories.count) }
            return EvaluationReport(overall: total, repositories: repositories, llmCalls: llmCalls, inferredGroups: inferredGroups)
        }
    }

    public func score(_ triage: any Triage, into tally: inout Tally) async throws {
        let scorings = scorings
        if tally.overall == nil {
            tally.overall = Scoreboard(labels: Array(Set(scorings.values.flatMap { $0.candidates.map(\.name) })).sorted())
        }
        for issue in test {
            let repository = issue.repository
            let scoring = scorings[repository]!
            tally.inferredGroups = tally.inferredGroups || scoring.inferredGroups
            let input = TriageInput(repository: repository, title: issue.title, body: issue.body, candidates: scoring.candidates,
                                    rules: scoring.policy.rules, minConfidence: scoring.policy.minConfidence)
            let result = try await triage.triage(input)
            tally.llmCalls += result.llmCalls
            let labelPolicy = LabelPolicy(minConfidence: scoring.policy.minConfidence, groups: scoring.groups, removeLabels: false)
            let decision = GroomPlanner.plan(triage: result, current: [], candidates: scoring.candidates, policy: labelPolicy)
            let forced = Self.forcedChoice(result.proposals, groups: scoring.groups)
            tally.boards[repository, default: Scoreboard(labels: scoring.candidates.map(\.name))]
                .add(truth: Set(issue.labels), forced: forced, written: Set(decision.plan.add))
            tally.overall!.add(truth: Set(issue.labels), forced: forced, written: Set(decision.plan.add))
        }
    }

    /// `count` evaluations whose test sets partition `issues`: round-robin within each
    /// repository and label, in `created_at` order, so each fold has a share of every label.
    public static func folds(_ issues: [LabelledIssue], count: Int, configuration: GroomerConfiguration,
                             learning: LearningSettings, labelMap: [String: String] = [:]) -> [Evaluation] {
        var next: [String: Int] = [:]
        let ordered = issues.enumerated().sorted { ($0.element.createdAt ?? .distantPast, $0.offset) < ($1.element.createdAt ?? .distantPast, $1.offset) }
        var assignment: [Int] = Array(repeating: 0, count: issues.count)
        for (index, issue) in ordered {
            let key = issue.repository.lowercased() + "\u{0}" + (issue.labels.sorted().first ?? "")
            let fold = next[key, default: 0]
            next[key] = (fold + 1) % count
            assignment[index] = fold
        }
        return (0..<count).map { fold in
            var evaluation = Evaluation(train: issues.indices.filter { assignment[$0] != fold }.map { issues[$0] },
                                        test: issues.indices.filter { assignment[$0] == fold }.map { issues[$0] },
                                        configuration: configuration, learning: learning, labelMap: labelMap)
            evaluation.split = "\(count)-fold cross-validation, stratified by repository and label"
            return evaluation
        }
    }

    /// The best label of each exclusive group (none on a tie), and every other proposed label.
    public static func forcedChoice(_ proposals: [LabelProposal], groups: [[String]]) -> Set<String> {
        var chosen: Set<String> = []
        var grouped: Set<String> = []
        for group in groups {
            let members = Set(group.map { $0.lowercased() })
            grouped.formUnion(members)
            let ranked = proposals.filter { members.contains($0.name.lowercased()) }.sorted { $0.confidence > $1.confidence }
            guard let best = ranked.first else { continue }
            if ranked.count > 1, ranked[1].confidence == best.confidence { continue }
            chosen.insert(best.name)
        }
        for proposal in proposals where !grouped.contains(proposal.name.lowercased()) { chosen.insert(proposal.name) }
        return chosen
    }
}

/// What `eval` measured.
public struct EvaluationReport: Sendable {
    /// Pooled counts, with `macroF1` the mean of the repositories' macro F1 (as NLBSE reports it).
    public var overall: EvaluationScore
    public var repositories: [String: EvaluationScore]
    public var llmCalls: Int
    /// True when the corpus's labels were scored as one exclusive group.
    public var inferredGroups: Bool
}
