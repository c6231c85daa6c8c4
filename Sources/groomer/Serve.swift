import ArgumentParser
import Foundation
import GroomerCore
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `groomer serve`: the webhook receiver and the scheduler, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service: receive GitHub webhooks and groom issues.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (GROOMER_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (GROOMER_PORT, default 8080; 0 picks a free one).")
    var port: Int?

    @Flag(help: ArgumentHelp("Also serve the benchmark's ceiling routes, /ceiling/body and /ceiling/hmac.", visibility: .hidden))
    var ceilingRoutes = false

    func run() async throws {
        var environment = common.environment()
        if let host { environment["GROOMER_HOST"] = host }
        if let port { environment["GROOMER_PORT"] = String(port) }
        let logger = CLI.bootstrapLogging()
        AllocatorTuning.applyForServer()
        let settings = try Settings(environment: environment)
        let secrets = try settings.requireWebhookSecrets()
        let configuration = try CLI.loadConfiguration(settings)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        let models = try await StoredModels.load(from: store.models)
        let runner = try CLI.runner(settings: settings, configuration: configuration, store: store, transport: transport,
                                    models: models, logger: logger)
        let scheduler = GroomerScheduler(runner: runner, store: store, logger: logger)
        let intake = WebhookIntake(store: store, configuration: configuration, mapper: EventMapper(botLogin: settings.botLogin),
                                   onQueued: { request in scheduler.notify(dueAt: request.dueAt) })
        let receiver = WebhookReceiver(secrets: secrets, intake: intake)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let extras = GroomerServer.Extras(operatorRoutes: OperatorRoutes(runner: runner, store: store, onQueued: { scheduler.notify() }),
                                          adminToken: settings.adminToken, metrics: registry,
                                          ceilingRoutes: ceilingRoutes)
        let app = GroomerServer.buildApplication(
            host: settings.host, port: settings.port, receiver: receiver, store: store, extras: extras, logger: logger,
            onRunning: { port in
                logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)", "store": "\(settings.store)",
                                                    "github": "\(runner.groomer.github == nil ? "offline" : settings.githubAPIURL)",
                                                    "triage": "\(GroomerAssembly.triageMode(settings).rawValue)"])
            })
        var services: [any Service] = [app, scheduler]
        if let github = runner.groomer.github, [.learned, .cascade].contains(GroomerAssembly.triageMode(settings)) {
            let learner = ModelLearner(store: store, github: github, configuration: configuration, botLogin: settings.botLogin, logger: logger)
            services.append(LearningService(learner: learner, models: models))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // In-flight deliveries and the current groom finish within this; then they are cancelled and stay pending.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        logger.info("stopped")
        transport.shutdown()
        await store.close()
    }
}
