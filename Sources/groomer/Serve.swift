import ArgumentParser
import Foundation
import GroomerCore
import Hummingbird
import Logging
import ServiceLifecycle

/// `groomer serve`: the webhook receiver and the scheduler, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service: receive GitHub webhooks and groom issues.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (GROOMER_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (GROOMER_PORT, default 8080; 0 picks a free one).")
    var port: Int?

    func run() async throws {
        var environment = common.environment()
        if let host { environment["GROOMER_HOST"] = host }
        if let port { environment["GROOMER_PORT"] = String(port) }
        let logger = CLI.bootstrapLogging()
        let settings = try Settings(environment: environment)
        let secrets = try settings.requireWebhookSecrets()
        let configuration = try CLI.loadConfiguration(settings)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        let runner = try CLI.runner(settings: settings, configuration: configuration, store: store, transport: transport, logger: logger)
        let scheduler = GroomerScheduler(runner: runner, store: store, logger: logger)
        let intake = WebhookIntake(store: store, configuration: configuration, mapper: EventMapper(botLogin: settings.botLogin),
                                   onQueued: { _ in scheduler.notify() })
        let receiver = WebhookReceiver(secrets: secrets, intake: intake)
        let app = GroomerServer.buildApplication(
            host: settings.host, port: settings.port, receiver: receiver, store: store, logger: logger,
            onRunning: { port in
                logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)", "store": "\(settings.store)",
                                                    "github": "\(runner.groomer.github == nil ? "offline" : settings.githubAPIURL)",
                                                    "triage": "\(runner.groomer.llm == nil ? "rules" : "llm")"])
            })
        let group = ServiceGroup(configuration: .init(services: [app, scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        transport.shutdown()
        await store.close()
    }
}
