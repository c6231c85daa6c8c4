import ArgumentParser
import Foundation
import GroomerCore
import Logging

/// The `groomer` command line: a thin layer over GroomerCore.
@main
struct Groomer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groomer",
        abstract: "GitHub issue triage: webhooks in, coalesced label plans out, from a model learned from the repository, rules or an LLM.",
        version: GroomerVersion.current,
        subcommands: [Serve.self, Replay.self, Groom.self, Eval.self, Learn.self, BackfillCommand.self, AppManifest.self]
    )
}

/// Flags shared by the commands; each overrides the environment variable of the same meaning.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: "Store URL: sqlite:PATH or postgres://… (GROOMER_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("config"), help: "YAML policy file (GROOMER_CONFIG).")
    var configPath: String?

    func validate() throws {
        if let databaseURL {
            do {
                _ = try StoreLocation.parse(databaseURL)
            } catch {
                let hint = databaseURL.contains(":") ? "" : "; for a SQLite file, sqlite:\(databaseURL)"
                throw ValidationError("--database: expected sqlite:PATH or postgres://…, got \(databaseURL)\(hint)")
            }
        }
    }

    /// The process environment with the flags written over it.
    func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["GROOMER_DATABASE_URL"] = databaseURL }
        if let configPath { environment["GROOMER_CONFIG"] = configPath }
        return environment
    }
}

enum CLI {
    /// Logs go to standard error at `GROOMER_LOG_LEVEL` (default `defaultLevel`).
    static func bootstrapLogging(defaultLevel: Logger.Level = .info) -> Logger {
        let levelName = ProcessInfo.processInfo.environment["GROOMER_LOG_LEVEL"]?.lowercased() ?? defaultLevel.rawValue
        let level = Logger.Level(rawValue: levelName) ?? defaultLevel
        let json = ProcessInfo.processInfo.environment["GROOMER_LOG_FORMAT"]?.lowercased() == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "groomer")
    }

    static func loadConfiguration(_ settings: Settings) throws -> GroomerConfiguration {
        guard let path = settings.configPath else { return GroomerConfiguration() }
        return try ConfigurationFile.load(path: path)
    }

    /// One line per groomed issue: outcome, plan, and the triage's reasons.
    static func render(_ record: GroomRecord) -> String {
        var line = "\(record.key)  \(record.outcome.rawValue)"
        if let plan = record.plan { line += "  \(plan.rendered)" }
        if let reason = record.reason { line += "  (\(reason))" }
        if let triage = record.triage {
            let proposals = triage.proposals.map { "\($0.name) \(String(format: "%.2f", $0.confidence)): \($0.reason)" }
            line += "  [\(triage.source)\(proposals.isEmpty ? ": \(triage.summary)" : ": " + proposals.joined(separator: "; "))]"
            if !triage.droppedLabels.isEmpty { line += "  dropped (not candidates): \(triage.droppedLabels.joined(separator: ", "))" }
        }
        if !record.notes.isEmpty {
            line += "  left out: " + record.notes.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        }
        return line
    }
}
