import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

extension GroomerApplication {
    /// Runs the application as `groomer serve` does until SIGTERM or SIGINT: checks the address,
    /// opens the store, learns groomer's own login, builds the application on the live
    /// dependencies, says what it will do, and shuts down gracefully.
    public static func serve(settings given: Settings, configuration: GroomerConfiguration, logger: Logger,
                             extraRoutes: ExtraRoutes? = nil) async throws {
        var settings = given
        _ = try settings.requireWebhookSecrets()
        // Before the store is opened (or a SQLite file created): a busy port or an unknown host, named at once.
        try ListenProbe.check(host: settings.host, port: settings.port)
        let store = try await settings.store.open()
        let transport = CurlTransport()
        if settings.botLogin == nil, let github = try GroomerAssembly.github(settings, transport: transport, logger: logger) {
            settings.botLogin = await ownLogin(github, logger: logger)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let dependencies = try await Dependencies.live(settings: settings, store: store, transport: transport, metrics: registry, logger: logger)
        let github = dependencies.github
        let application = try build(settings: settings, configuration: configuration, dependencies: dependencies, extraRoutes: extraRoutes,
                                    onRunning: { [settings] port in
            logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)", "store": "\(settings.store)",
                                                "github": "\(github == nil ? "offline" : settings.githubAPIURL)",
                                                "triage": "\(GroomerAssembly.triageMode(settings).rawValue)"])
        })
        for problem in configuration.labelsNeverCandidates { logger.warning("policy: \(problem)") }
        logger.notice("\(whatWillHappen(github: github != nil, configuration: configuration))")
        // Credentials GitHub refuses are said at start, not found by the first groom; serving goes on either way.
        let credentialsCheck = github.map { github in
            Task {
                do {
                    try await github.checkCredentials()
                } catch {
                    logger.warning("GitHub refused the credentials; every groom will fail until they are fixed",
                                   metadata: ["error": "\(error)"])
                }
            }
        }
        var groupConfiguration = ServiceGroupConfiguration(services: application.services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                           logger: logger)
        // In-flight deliveries and the current groom finish within this; then they are cancelled and stay pending.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: groupConfiguration).run()
        credentialsCheck?.cancel()
        logger.info("stopped")
        transport.shutdown()
        await store.close()
    }

    /// One plain line: what groomer will and will not do with these settings.
    public static func whatWillHappen(github: Bool, configuration: GroomerConfiguration) -> String {
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
}
