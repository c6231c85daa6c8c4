import ArgumentParser
import Foundation
import GroomerCore

/// `groomer backfill OWNER/REPO`: queues the open issues groomer never groomed, paced.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Queue the repository's open issues that groomer never groomed, paced to a share of GitHub's rate limit.",
        discussion: """
            The requests go into the store (GROOMER_DATABASE_URL, the one serve uses); serve grooms them as they fall due, \
            spaced so that their grooms use at most backfill.rate_share (default 0.5) of GitHub's remaining hourly \
            requests. The repository's mode applies: a dry run stays dry.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "The repository, as OWNER/REPO.")
    var repository: String

    @Option(help: "Only issues opened on or after this day (YYYY-MM-DD).")
    var since: String?

    @Option(help: "Open issues read at most, newest first.")
    var limit: Int = 1_000

    func validate() throws {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("expected OWNER/REPO, got \(repository)") }
        if let since, Date(day: since) == nil { throw ValidationError("--since: expected a day as YYYY-MM-DD, got \(since)") }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit: expected 1 to 100000, got \(limit)") }
    }

    func run() async throws {
        let logger = CLI.bootstrapLogging(defaultLevel: .warning)
        let settings = try Settings(environment: common.environment())
        let configuration = try CLI.loadConfiguration(settings)
        let transport = CurlTransport()
        defer { transport.shutdown() }
        guard let github = try GroomerAssembly.github(settings, transport: transport, logger: logger) else {
            throw ValidationError("backfill reads the repository's open issues from GitHub: set GROOMER_GITHUB_TOKEN or the App settings")
        }
        let store = try await settings.store.open()
        let installation = try await store.models.installationID(of: repository)
        let backfill = Backfill(store: store, github: github, configuration: configuration, logger: logger)
        let summary: Backfill.Summary
        do {
            summary = try await backfill.run(repository, installation: installation, since: since.flatMap { Date(day: $0) }, limit: limit) { progress in
                if progress.queued % 50 == 1 || progress.queued + progress.known == progress.listed {
                    FileHandle.standardError.write(Data("\rbackfill: \(progress.queued + progress.known) of \(progress.listed) read, \(progress.queued) queued".utf8))
                }
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        FileHandle.standardError.write(Data("\n".utf8))
        let mode = configuration.policy(for: repository).mode.rawValue
        print("\(repository): \(summary.queued) queued, \(summary.known) already known, of \(summary.listed) open issues; "
              + "one groom every \(String(format: "%.1f", summary.spacingSeconds)) s"
              + (summary.lastDueAt.map { ", the last due \($0)" } ?? "") + " (mode \(mode); serve grooms them)")
    }
}
