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
        var environment = common.environment()
        // No store named: a private one, so no groomer.sqlite is left in the working directory.
        let named = environment["GROOMER_DATABASE_URL"].map { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false
        if !named { environment["GROOMER_DATABASE_URL"] = "sqlite::memory:" }
        let settings = try Settings(environment: environment)
        let configuration = try CLI.loadConfiguration(settings)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let dependencies = try await GroomerApplication.Dependencies.live(settings: settings, store: store, transport: transport,
                                                                                 metrics: nil, logger: logger)
        let runner = GroomerApplication.makeRunner(settings: settings, configuration: configuration, dependencies: dependencies)
        if runner.groomer.github == nil, try await store.groomRequest(key)?.snapshot == nil {
            await store.close()
            throw Self.usageError(named
                ? "no GitHub credentials (GROOMER_GITHUB_TOKEN or the App settings), and no delivery for \(key) in \(settings.store) to groom from"
                : "no GitHub credentials (GROOMER_GITHUB_TOKEN or the App settings) to read \(key); or name a store holding a delivery for it with --database")
        }
        _ = try await store.enqueueForced(key, installationID: nil, now: Date())
        switch try await runner.run(trigger: .groom) {
        case .busy(let holder, let since):
            print("another run holds the lock (\(holder), since \(since.iso8601)); \(key) is queued, due now, for the next run")
            await store.close()
            throw ExitCode(3)
        case .completed(_, _, let records):
            let mine = records.filter { $0.key == key }
            for record in mine { print(CLI.render(record)) }
            await store.close()
            // A failed groom is a failed command: 1, with the reason already printed.
            if mine.isEmpty {
                FileHandle.standardError.write(Data("Error: the run did not reach \(key); its request stays queued in \(settings.store)\n".utf8))
                throw ExitCode.failure
            }
            if mine.contains(where: { $0.outcome == .failed }) { throw ExitCode.failure }
        }
    }

    /// The problem and groom's own usage on standard error, exit 64 (the top-level usage says nothing of groom).
    static func usageError(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(message)\n\n\(Groomer.helpMessage(for: Groom.self))\n".utf8))
        return ExitCode.validationFailure
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
