import ArgumentParser
import Foundation
import GroomerCore
import Logging

/// `groomer replay PATH…`: recorded deliveries through the same pipeline.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay recorded webhook deliveries (EVENT/NAME.json payloads or GitHub hook-delivery records).",
        discussion: """
        In-process by default, into GROOMER_DATABASE_URL when set (else a private in-memory store), printing \
        what each delivery became, then grooming every pending request at once and printing each issue's label \
        plan. With no GitHub credentials the issue is taken from the payload and nothing is written. With --to, signs each payload with GROOMER_WEBHOOK_SECRET and POSTs it to \
        a running groomer, as GitHub would. Exits 1 when a file cannot be read or parsed as a delivery, and 2 \
        when --to could not deliver one.
        """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "Files or folders to replay.")
    var paths: [String]

    @Option(help: "POST the deliveries to this URL (for example http://127.0.0.1:8080/webhooks/github).")
    var to: String?

    @Flag(help: "Print JSON Lines: one object per delivery (\"kind\":\"delivery\") and per label plan (\"kind\":\"plan\").")
    var json = false

    func run() async throws {
        let logger = CLI.bootstrapLogging(defaultLevel: .warning)
        let read = RecordedDeliveryReader.read(paths: paths)
        for failure in read.failures { printError("cannot replay \(failure)") }

        var environment = common.environment()
        let lines: [Replayer.Line]
        if let url = to {
            let settings = try Settings(environment: environment)
            let secrets = try settings.requireWebhookSecrets()
            let transport = CurlTransport()
            lines = await Replayer.replay(read.deliveries, to: url, secrets: secrets, transport: transport)
            transport.shutdown()
        } else {
            let persistent = environment["GROOMER_DATABASE_URL"] != nil
            if !persistent { environment["GROOMER_DATABASE_URL"] = "sqlite::memory:" }
            let settings = try Settings(environment: environment)
            let configuration = try CLI.loadConfiguration(settings)
            let store = try await settings.store.open()
            let transport = CurlTransport()
            defer { transport.shutdown() }
            let intake = WebhookIntake(store: store, configuration: configuration, mapper: EventMapper(botLogin: settings.botLogin))
            lines = await Replayer.replay(read.deliveries, through: intake, logger: logger)
            for line in lines { print(json ? Self.jsonLine(line) : line.rendered) }
            if !json { print(Replayer.summary(lines) + (read.skipped.isEmpty ? "" : "; \(read.skipped.count) non-delivery JSON files skipped")) }

            // Replay compresses time: every pending request is due now.
            let dependencies = try await GroomerApplication.Dependencies.live(settings: settings, store: store, transport: transport,
                                                                                     metrics: nil, logger: logger)
            var runner = GroomerApplication.makeRunner(settings: settings, configuration: configuration, dependencies: dependencies)
            // One run takes every pending request, however many the files queued.
            runner.batchSize = max(1, try await store.pendingRequestCount())
            let reach = runner.groomer.github == nil ? "offline: issues as the payloads show them, nothing written" : "live GitHub"
            let mode = GroomerAssembly.triageMode(settings)
            // Replay learns nothing itself: without a stored model (`groomer learn`), the learned triage falls back to the rules.
            let noModel = try await store.models.modelVersions().values.allSatisfy { $0 == nil }
            let triage = mode == .learned && noModel ? "learned triage, no model yet: rules" : "\(mode.rawValue) triage"
            switch try await runner.run(trigger: .replay, dueBy: .distantFuture) {
            case .busy(let holder, _):
                if !json { print("groom: another run holds the lock (\(holder)); the requests stay pending in \(settings.store)") }
            case .completed(_, _, let records) where json:
                for record in records { print(Self.jsonLine(record)) }
            case .completed(_, let summary, let records):
                print("\nLabel plans (\(triage), \(reach)):")
                for record in records { print("  " + CLI.render(record)) }
                print("\(summary.groomed) groomed, \(summary.skipped) skipped, \(summary.failed) failed"
                      + (persistent ? "" : " (in-memory store; set GROOMER_DATABASE_URL to keep the audit)"))
            }
            await store.close()
            if !read.failures.isEmpty { throw ExitCode(1) }
            return
        }
        for line in lines { print(json ? Self.jsonLine(line) : line.rendered) }
        if !json { print(Replayer.summary(lines)) }
        if !read.failures.isEmpty { throw ExitCode(1) }
        if lines.contains(where: { $0.outcome == "failed" }) { throw ExitCode(2) }
    }

    private struct Tagged<Value: Encodable>: Encodable {
        var kind: String
        var value: Value
        func encode(to encoder: any Encoder) throws {
            try value.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(kind, forKey: .kind)
        }
        enum Key: String, CodingKey { case kind }
    }

    static func jsonLine(_ line: Replayer.Line) -> String { String(decoding: CompactJSON.api(Tagged(kind: "delivery", value: line)), as: UTF8.self) }
    static func jsonLine(_ record: GroomRecord) -> String { String(decoding: CompactJSON.api(Tagged(kind: "plan", value: DecisionReport(record))), as: UTF8.self) }

    private func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
