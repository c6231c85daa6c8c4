import ArgumentParser
import Foundation
import GroomerCore

/// `groomer eval`: scores a triage on labelled issues with the planner a groom runs.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a triage on labelled issues: per-label precision, recall and F1, macro F1, coverage at the policy's thresholds.",
        discussion: """
            Corpus files: CSV with a header holding repo, label, title, body (created_at optional), JSON Lines of \
            {"repository","number","title","body","labels":[…],"created_at"}, or a JSON array of issues as GitHub's \
            REST API returns them. With --train alone, each repository's older half (by created_at) trains and its \
            newer half tests.
            """)

    @Option(help: "Labelled issues to learn from (and, without --test, to split by time).")
    var train: String

    @Option(help: "Labelled issues to score on.")
    var test: String?

    @Option(help: "rules, learned, llm or cascade (llm and cascade need GROOMER_LLM_URL and GROOMER_LLM_MODEL).")
    var triage: String = TriageMode.learned.rawValue

    @Option(help: "YAML policy file: candidate labels, groups, rules, min_confidence, learn.")
    var config: String?

    @Option(name: .customLong("label-map"), parsing: .singleValue, help: "Rename a corpus label before scoring, as FROM=TO (repeatable).")
    var labelMap: [String] = []

    @Option(help: "Cross-validate over --train in K folds instead of one split (K from 2 to 20).")
    var folds: Int?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        if let folds {
            guard (2...20).contains(folds) else { throw ValidationError("--folds: expected 2 to 20, got \(folds)") }
            guard test == nil else { throw ValidationError("--folds cross-validates over --train; leave out --test") }
        }
        guard TriageMode(rawValue: triage.lowercased()) != nil else {
            throw ValidationError("--triage: expected one of \(TriageMode.allCases.map(\.rawValue).joined(separator: ", ")); got \(triage)")
        }
        for pair in labelMap where Self.renaming(pair) == nil {
            throw ValidationError("--label-map: expected FROM=TO, got \(pair)")
        }
    }

    /// `FROM=TO` as its two names, or nil.
    static func renaming(_ pair: String) -> (String, String)? {
        let parts = pair.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let started = ContinuousClock.now
        let mode = TriageMode(rawValue: triage.lowercased())!
        let configuration = try config.map { try ConfigurationFile.load(path: $0) } ?? GroomerConfiguration()
        let map = Dictionary(labelMap.compactMap(Self.renaming), uniquingKeysWith: { _, last in last })
        let trainIssues = try Self.read(train)
        let testIssues = try test.map(Self.read)
        let evaluations = folds.map {
            Evaluation.folds(trainIssues, count: $0, configuration: configuration, learning: configuration.defaults.learning, labelMap: map)
        } ?? [Evaluation(train: trainIssues, test: testIssues, configuration: configuration,
                         learning: configuration.defaults.learning, labelMap: map)]
        guard evaluations.contains(where: { !$0.test.isEmpty }) else { throw ValidationError("no issues to test on") }

        // Only the modes that ask an LLM read its settings and start a transport.
        let transport = mode == .llm || mode == .cascade ? CurlTransport() : nil
        defer { transport?.shutdown() }
        let llm = try transport.flatMap {
            try GroomerAssembly.llm(try Settings(), transport: $0, logger: CLI.bootstrapLogging(defaultLevel: .warning))
        }
        var tally = Evaluation.Tally()
        var trainingSeconds = 0.0
        var models: [String: LabelModel] = [:]
        for evaluation in evaluations {
            let trainingStarted = ContinuousClock.now
            let trained = mode == .rules || mode == .llm ? [:] : evaluation.trainModels()
            trainingSeconds += (ContinuousClock.now - trainingStarted) / .seconds(1)
            if evaluations.count == 1 { models = trained }
            let triage = try GroomerAssembly.triage(mode, llm: llm, models: FixedModels(trained))
            try await evaluation.score(triage, into: &tally)
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let output = EvalOutput(mode: mode, evaluation: evaluations[0], folds: folds, report: tally.report, models: models,
                                trainingSeconds: trainingSeconds, seconds: seconds)
        print(json ? output.json : output.text)
    }

    static func read(_ path: String) throws -> [LabelledIssue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the corpus file \(path)")
        }
        do {
            return try Corpus.parse(data, source: path)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
