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
    static let configuration = CommandConfiguration(
        abstract: "Run the service: receive GitHub webhooks and groom issues.",
        discussion: """
            Environment (a flag of the same meaning wins):
              GROOMER_WEBHOOK_SECRET      the hook's secret (required; several,
                                          comma-separated, while rotating)
              GROOMER_DATABASE_URL        sqlite:PATH (default sqlite:groomer.sqlite)
                                          or postgres://…
              GROOMER_CONFIG              the YAML policy file (default: built in)
              GROOMER_HOST, GROOMER_PORT  where to listen (default 127.0.0.1:8080)
              GROOMER_GITHUB_TOKEN        a token; or GROOMER_GITHUB_APP_ID and
                                          GROOMER_GITHUB_APP_PRIVATE_KEY_PATH
              GROOMER_BOT_LOGIN           groomer's own login (default: asked of
                                          GitHub at start)
              GROOMER_ADMIN_TOKEN         enables /api and /ui; without it, 404
              GROOMER_LLM_URL, GROOMER_LLM_MODEL, GROOMER_LLM_API_KEY,
              GROOMER_LLM_TEMPERATURE     an OpenAI-compatible LLM (optional)
              GROOMER_TRIAGE              learned, rules, llm or cascade
              GROOMER_LOG_LEVEL, GROOMER_LOG_FORMAT=json
            Without GitHub credentials nothing is read from or written to GitHub: issues are groomed \
            from the deliveries' copies, as dry runs.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (GROOMER_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (GROOMER_PORT, default 8080; 0 picks a free one).")
    var port: Int?

    @Flag(help: ArgumentHelp("Also serve the benchmark's ceiling routes, /ceiling/body and /ceiling/hmac.", visibility: .hidden))
    var ceilingRoutes = false

    /// One plain line: what groomer will and will not do with these settings.
    static func whatWillHappen(github: Bool, configuration: GroomerConfiguration) -> String {
        guard github else {
            return "no GitHub credentials: nothing is read from or written to GitHub; issues are groomed from the deliveries' copies, as dry runs"
        }
        let policies = [configuration.defaults] + configuration.repositories.values
        if policies.allSatisfy(\.dryRun) {
            return "dry run: plans are computed and recorded, no label is written (set mode: suggest or write in the policy)"
        }
        if policies.allSatisfy({ $0.mode == .suggest }) { return "suggest: label additions go to GitHub as pending suggestions; nothing is applied" }
        if policies.allSatisfy({ $0.mode == .write }) { return "writing labels on GitHub" }
        return "mode per repository: " + ([("defaults", configuration.defaults)] + configuration.repositories.sorted { $0.key < $1.key })
            .map { "\($0.0) \($0.1.mode.rawValue)" }.joined(separator: ", ")
    }

    /// groomer's own login as GitHub knows the credentials, so its own label changes are never
    /// taken for a human's; nil (with a warning) when GitHub cannot say within ten seconds.
    static func ownLogin(_ github: any GitHubAPI, logger: Logger) async -> String? {
        let login = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    return try await github.ownLogin()
                } catch {
                    logger.warning("cannot learn groomer's own login from GitHub; set GROOMER_BOT_LOGIN", metadata: ["error": "\(error)"])
                    return nil
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let login { logger.info("groomer's own login, from GitHub", metadata: ["login": "\(login)"]) }
        return login
    }

    func validate() throws {
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port: expected 0–65535, got \(port)") }
        if let host, host.isEmpty { throw ValidationError("--host: expected an address or a host name") }
    }

    func run() async throws {
        var environment = common.environment()
        if let host { environment["GROOMER_HOST"] = host }
        if let port { environment["GROOMER_PORT"] = String(port) }
        let logger = CLI.bootstrapLogging()
        AllocatorTuning.applyForServer()
        var derived = try Settings(environment: environment)
        let secrets = try derived.requireWebhookSecrets()
        let configuration = try CLI.loadConfiguration(derived)
        // Before the store is opened (or a SQLite file created): a busy port or an unknown host, named at once.
        try ListenProbe.check(host: derived.host, port: derived.port)
        let store = try await derived.store.open()
        let transport = CurlTransport()
        if derived.botLogin == nil, let github = try GroomerAssembly.github(derived, transport: transport, logger: logger) {
            derived.botLogin = await Self.ownLogin(github, logger: logger)
        }
        let settings = derived
        let models = try await StoredModels.load(from: store.models)
        let runner = try CLI.runner(settings: settings, configuration: configuration, store: store, transport: transport,
                                    models: models, logger: logger)
        let scheduler = GroomerScheduler(runner: runner, store: store, logger: logger)
        let intake = WebhookIntake(store: store, configuration: configuration, mapper: EventMapper(botLogin: settings.botLogin),
                                   policies: runner.groomer.policies, onQueued: { request in scheduler.notify(dueAt: request.dueAt) })
        let receiver = WebhookReceiver(secrets: secrets, intake: intake)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let extras = GroomerServer.Extras(operatorRoutes: OperatorRoutes(runner: runner, store: store, onQueued: { scheduler.notify() }),
                                          adminToken: settings.adminToken, metrics: registry,
                                          ceilingRoutes: ceilingRoutes, gitHubAPIURL: settings.githubAPIURL)
        let app = GroomerServer.buildApplication(
            host: settings.host, port: settings.port, receiver: receiver, store: store, extras: extras, logger: logger,
            onRunning: { port in
                logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)", "store": "\(settings.store)",
                                                    "github": "\(runner.groomer.github == nil ? "offline" : settings.githubAPIURL)",
                                                    "triage": "\(GroomerAssembly.triageMode(settings).rawValue)"])
            })
        for problem in configuration.labelsNeverCandidates { logger.warning("policy: \(problem)") }
        logger.notice("\(Self.whatWillHappen(github: runner.groomer.github != nil, configuration: configuration))")
        // Credentials GitHub refuses are said at start, not found by the first groom; serving goes on either way.
        let credentialsCheck = runner.groomer.github.map { github in
            Task {
                do {
                    try await github.checkCredentials()
                } catch {
                    logger.warning("GitHub refused the credentials; every groom will fail until they are fixed",
                                   metadata: ["error": "\(error)"])
                }
            }
        }
        var services: [any Service] = [app, scheduler]
        if let github = runner.groomer.github, configuration.reconcileInterval > 0 {
            let redelivery = configuration.reconcileLookbackHours > 0
                ? Redelivery(store: store, github: github, asApp: settings.githubToken == nil, lookbackHours: configuration.reconcileLookbackHours,
                             logger: logger)
                : nil
            services.append(ReconcileSweep(store: store, github: github, configuration: configuration, redelivery: redelivery, logger: logger,
                                           onQueued: { scheduler.notify() }))
        }
        if let github = runner.groomer.github, [.learned, .cascade].contains(GroomerAssembly.triageMode(settings)) {
            let learner = ModelLearner(store: store, github: github, configuration: configuration, policies: runner.groomer.policies,
                                       botLogin: settings.botLogin, logger: logger)
            services.append(LearningService(learner: learner, models: models))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // In-flight deliveries and the current groom finish within this; then they are cancelled and stay pending.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        credentialsCheck?.cancel()
        logger.info("stopped")
        transport.shutdown()
        await store.close()
    }
}
