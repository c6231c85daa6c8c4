import ArgumentParser
import Foundation
import GroomerCore
import Logging

/// The `groomer` command line: a thin layer over GroomerCore.
@main
struct Groomer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groomer",
        abstract: "GitHub issue triage: webhooks in, coalesced LLM- or rule-based label plans out.",
        subcommands: [Serve.self, Replay.self]
    )
}

/// Flags shared by the commands; each overrides the environment variable of the same meaning.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: "Store URL: sqlite:PATH or postgres://… (GROOMER_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("config"), help: "YAML policy file (GROOMER_CONFIG).")
    var configPath: String?

    /// The process environment with the flags written over it.
    func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["GROOMER_DATABASE_URL"] = databaseURL }
        if let configPath { environment["GROOMER_CONFIG"] = configPath }
        return environment
    }
}

enum CLI {
    /// Logs go to standard error at `GROOMER_LOG_LEVEL` (default info).
    static func bootstrapLogging() -> Logger {
        let levelName = ProcessInfo.processInfo.environment["GROOMER_LOG_LEVEL"]?.lowercased() ?? "info"
        let level = Logger.Level(rawValue: levelName) ?? .info
        LoggingSystem.bootstrap { label in
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
}
