import ArgumentParser
import Foundation
import GroomerCore

/// `groomer learn OWNER/REPO`: trains the repository's model now, keeps it in the store and
/// prints what cross-validation measured.
struct Learn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a repository's label model now, keep it in the store, and print its cross-validated figures.",
        discussion: """
            From the repository's history on GitHub (issues open and closed that carry candidate labels a human \
            applied or kept, newest first, at most learn.max_issues) and the human label decisions in the store; \
            or, with --from, from a labelled corpus file in any format `groomer eval` reads. serve, replay and groom \
            use the stored model from then on.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "The repository, as OWNER/REPO.")
    var repository: String

    @Option(help: "Learn from this labelled corpus (CSV, JSON Lines or GitHub's issue JSON) instead of GitHub.")
    var from: String?

    @Option(name: .customLong("label-map"), parsing: .singleValue, help: "Rename a corpus label, as FROM=TO (repeatable; with --from).")
    var labelMap: [String] = []

    @Flag(help: "Print the model's figures as JSON.")
    var json = false

    func validate() throws {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("expected OWNER/REPO, got \(repository)") }
        for pair in labelMap where Eval.renaming(pair) == nil { throw ValidationError("--label-map: expected FROM=TO, got \(pair)") }
        if !labelMap.isEmpty, from == nil { throw ValidationError("--label-map renames the labels of a --from corpus") }
    }

    func run() async throws {
        let logger = CLI.bootstrapLogging(defaultLevel: .warning)
        let settings = try Settings(environment: common.environment())
        let configuration = try CLI.loadConfiguration(settings)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let github = try GroomerAssembly.github(settings, transport: transport, logger: logger)
        let learner = ModelLearner(store: store, github: github, configuration: configuration, botLogin: settings.botLogin, logger: logger)
        let stored: StoredModel
        do {
            if let from {
                let (examples, candidates) = try corpus(from, policy: configuration.policy(for: repository))
                stored = try await learner.learn(repository, examples: examples, candidates: candidates)
            } else {
                guard github != nil else { throw ValidationError(ModelLearner.LearnError.offline.description) }
                // An App reaches the repository through the installation its deliveries named.
                let installation = try await store.models.installationID(of: repository)
                stored = try await learner.learn(repository, installation: installation)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        let report = ModelReport(stored)
        print(json ? String(decoding: CompactJSON.api(report), as: UTF8.self) : report.rendered)
        if stored.status != .trained { throw ExitCode(1) }
    }

    /// The corpus's issues of this repository, with its labels renamed, and the candidates among them.
    private func corpus(_ path: String, policy: Policy) throws -> ([LabelledIssue], [String]) {
        let map = Dictionary(labelMap.compactMap(Eval.renaming), uniquingKeysWith: { _, last in last })
        let all = try Eval.read(path)
        let issues = Evaluation.relabelled(all.filter { $0.repository.caseInsensitiveCompare(repository) == .orderedSame }, map)
        guard !issues.isEmpty else {
            let present = Set(all.map(\.repository)).sorted().prefix(10).joined(separator: ", ")
            throw ValidationError("\(path) has no issues of \(repository)" + (present.isEmpty ? "" : " (it has \(present))"))
        }
        let labels = Set(issues.flatMap(\.labels)).sorted().map { LabelInfo(name: $0) }
        return (issues, policy.candidates(among: labels).map(\.name))
    }
}
