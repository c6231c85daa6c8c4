import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The application `groomer serve` runs, built in one place: the receiver and its intake, the
/// runner and its scheduler, the operator API and page, the reconcile sweep and the learning
/// service, from the settings, the policy and the outside systems (`Dependencies`). `serve`
/// builds it with `Dependencies.live`; the tests build it the same way with their fakes.
public struct GroomerApplication: Sendable {
    /// The outside systems the application talks to, and its clock.
    public struct Dependencies: Sendable {
        public var store: any GroomerStore
        /// Nil: offline, issues are groomed from the deliveries' copies as dry runs.
        public var github: (any GitHubAPI)?
        public var triage: any Triage
        /// The learned models in force; the learning service retrains them when the triage learns.
        public var models: StoredModels?
        public var clock: any GroomerClock
        /// The registry `/metrics` exports; nil: no `/metrics`.
        public var metrics: PrometheusCollectorRegistry?
        /// The run lock's holder name: which replica ran what.
        public var holder: String
        public var logger: Logger

        public init(store: any GroomerStore, github: (any GitHubAPI)?, triage: any Triage, models: StoredModels? = nil,
                    clock: any GroomerClock = SystemClock(), metrics: PrometheusCollectorRegistry? = nil,
                    holder: String = GroomerRunner.defaultHolder, logger: Logger) {
            self.store = store
            self.github = github
            self.triage = triage
            self.models = models
            self.clock = clock
            self.metrics = metrics
            self.holder = holder
            self.logger = logger
        }

        /// What `serve` runs on: GitHub and the LLM as the settings configure them (over
        /// `transport`), the triage they choose, the models the store keeps, the wall clock.
        /// The settings' `botLogin` should already be known (`serve` asks GitHub first).
        public static func live(settings: Settings, store: any GroomerStore, transport: any HTTPTransport,
                                metrics: PrometheusCollectorRegistry?, logger: Logger) async throws -> Dependencies {
            let models = try await StoredModels.load(from: store.models)
            let llm = try GroomerAssembly.llm(settings, transport: transport, logger: logger)
            return Dependencies(store: store, github: try GroomerAssembly.github(settings, transport: transport, logger: logger),
                                triage: try GroomerAssembly.triage(GroomerAssembly.triageMode(settings), llm: llm, models: models),
                                models: models, metrics: metrics, logger: logger)
        }
    }

    /// How much the HTTP surface accepts and waits for; tests shorten these to reach the limits.
    public struct Limits: Sendable {
        public var maximumBodySize: Int
        public var bodyDeadline: Duration
        public var idleTimeout: Duration

        public init(maximumBodySize: Int = WebhookReceiver.maximumBodySize, bodyDeadline: Duration = WebhookReceiver.bodyDeadline,
                    idleTimeout: Duration = GroomerServer.idleTimeout) {
            self.maximumBodySize = maximumBodySize
            self.bodyDeadline = bodyDeadline
            self.idleTimeout = idleTimeout
        }
    }

    /// Routes a caller adds beside groomer's own (the benchmark's ceiling routes).
    public typealias ExtraRoutes = @Sendable (Router<BasicRequestContext>, WebhookReceiver) -> Void

    public let receiver: WebhookReceiver
    public let runner: GroomerRunner
    public let scheduler: GroomerScheduler
    /// The HTTP server: webhook, health, metrics, operator API and page.
    public let http: any Service
    /// The reconcile sweep and the learning service, where the settings call for them.
    public let background: [any Service]

    /// Everything `serve` runs, in the order a service group starts them.
    public var services: [any Service] { [http, scheduler] + background }

    /// The runner the application (and `groomer groom` and `replay`, which run no server) grooms with.
    public static func makeRunner(settings: Settings, configuration: GroomerConfiguration, dependencies: Dependencies) -> GroomerRunner {
        let groomer = IssueGroomer(store: dependencies.store, github: dependencies.github, triage: dependencies.triage,
                                   configuration: configuration, botLogin: settings.botLogin, clock: dependencies.clock,
                                   logger: dependencies.logger)
        return GroomerRunner(store: dependencies.store, groomer: groomer, holder: dependencies.holder)
    }

    /// - Parameter onRunning: called with the bound port once the server listens (port 0 picks one).
    public static func build(settings: Settings, configuration: GroomerConfiguration, dependencies: Dependencies,
                             limits: Limits = Limits(), extraRoutes: ExtraRoutes? = nil,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws(ConfigurationError) -> GroomerApplication {
        let secrets = try settings.requireWebhookSecrets()
        let store = dependencies.store, logger = dependencies.logger
        let runner = makeRunner(settings: settings, configuration: configuration, dependencies: dependencies)
        let groomer = runner.groomer
        let scheduler = GroomerScheduler(runner: runner, store: store, logger: logger)
        let intake = WebhookIntake(store: store, configuration: configuration, mapper: EventMapper(botLogin: settings.botLogin),
                                   policies: groomer.policies, clock: dependencies.clock,
                                   onQueued: { request in scheduler.notify(dueAt: request.dueAt) })
        let receiver = WebhookReceiver(secrets: secrets, intake: intake, maximumBodySize: limits.maximumBodySize,
                                       bodyDeadline: limits.bodyDeadline)
        let extras = GroomerServer.Extras(operatorRoutes: OperatorRoutes(runner: runner, store: store, onQueued: { scheduler.notify() }),
                                          adminToken: settings.adminToken, metrics: dependencies.metrics,
                                          gitHubAPIURL: settings.githubAPIURL)
        let router = GroomerServer.buildRouter(receiver: receiver, store: store, extras: extras)
        extraRoutes?(router, receiver)
        let http = GroomerServer.buildApplication(host: settings.host, port: settings.port, router: router, logger: logger,
                                                  idleTimeout: limits.idleTimeout, onRunning: onRunning)
        var background: [any Service] = []
        if let github = dependencies.github, configuration.reconcileInterval > 0 {
            let redelivery = configuration.reconcileLookbackHours > 0
                ? Redelivery(store: store, github: github, asApp: settings.githubToken == nil,
                             lookbackHours: configuration.reconcileLookbackHours, logger: logger)
                : nil
            background.append(ReconcileSweep(store: store, github: github, configuration: configuration, clock: dependencies.clock,
                                             holder: dependencies.holder, botLogin: settings.botLogin, redelivery: redelivery, logger: logger,
                                             onQueued: { scheduler.notify() }))
        }
        if let github = dependencies.github, let models = dependencies.models,
           [.learned, .cascade].contains(GroomerAssembly.triageMode(settings)) {
            let learner = ModelLearner(store: store, github: github, configuration: configuration, policies: groomer.policies,
                                       botLogin: settings.botLogin, clock: dependencies.clock, logger: logger)
            background.append(LearningService(learner: learner, models: models, holder: dependencies.holder))
        }
        return GroomerApplication(receiver: receiver, runner: runner, scheduler: scheduler, http: http, background: background)
    }
}
