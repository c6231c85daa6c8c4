import ArgumentParser
import Foundation
import GroomerCore
import Logging

/// `groomer groom OWNER/REPO#N`: a forced groom of one issue, now.
struct Groom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Groom one issue now (forced: ignores the fingerprint).")

    @OptionGroup var common: CommonOptions

    @Argument(help: "The issue, as OWNER/REPO#NUMBER.")
    var issue: String

    func validate() throws {
        guard IssueKey(parsing: issue) != nil else { throw ValidationError("expected OWNER/REPO#NUMBER, got \(issue)") }
    }

    func run() async throws {
        let logger = CLI.bootstrapLogging()
        let key = IssueKey(parsing: issue)!
        let settings = try Settings(environment: common.environment())
        let configuration = try CLI.loadConfiguration(settings)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let models = try await StoredModels.load(from: store.models)
        let runner = try CLI.runner(settings: settings, configuration: configuration, store: store, transport: transport,
                                    models: models, logger: logger)
        if runner.groomer.github == nil, try await store.groomRequest(key)?.snapshot == nil {
            throw ValidationError("no GitHub credentials (GROOMER_GITHUB_TOKEN or the App settings), and no delivery for \(key) in the store to groom from")
        }
        _ = try await store.enqueueForced(key, installationID: nil, now: Date())
        switch try await runner.run(trigger: "groom") {
        case .busy(let holder, let since):
            print("another run holds the lock (\(holder), since \(since.iso8601)); \(key) is queued, due now, for the next run")
            throw ExitCode(3)
        case .completed(_, _, let records):
            for record in records where record.key == key { print(CLI.render(record)) }
        }
        await store.close()
    }
}

extension IssueKey {
    /// Parses `OWNER/REPO#NUMBER`.
    init?(parsing text: String) {
        let parts = text.split(separator: "#")
        guard parts.count == 2, let number = Int(parts[1]), number > 0 else { return nil }
        let repository = String(parts[0])
        guard repository.split(separator: "/").count == 2 else { return nil }
        self.init(repository: repository, number: number)
    }
}
