import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The HTTP surface: the router of groomer's routes, and the server around it
/// (`GroomerApplication` builds both).
public enum GroomerServer {
    /// What the HTTP surface serves besides the webhook.
    public struct Extras: Sendable {
        /// The operator endpoints, with the admin token that guards them (nil: they answer 404).
        public var operatorRoutes: OperatorRoutes?
        public var adminToken: String?
        /// The registry `/metrics` exports; nil: no `/metrics`.
        public var metrics: PrometheusCollectorRegistry?
        /// GitHub's REST address, from which the page's issue links are made.
        public var gitHubAPIURL: String

        public init(operatorRoutes: OperatorRoutes? = nil, adminToken: String? = nil, metrics: PrometheusCollectorRegistry? = nil,
                    gitHubAPIURL: String = "https://api.github.com") {
            self.gitHubAPIURL = gitHubAPIURL
            self.operatorRoutes = operatorRoutes
            self.adminToken = adminToken
            self.metrics = metrics
        }
    }

    /// A connection that sends nothing for this long is closed, so idle or stalled clients
    /// cannot pile up; a body that trickles is bounded by `WebhookReceiver.bodyDeadline`.
    public static let idleTimeout = Duration.seconds(30)

    /// The server around `router`.
    /// - Parameter onRunning: called with the bound port once the server listens (port 0 picks one).
    public static func buildApplication(
        host: String, port: Int, router: Router<BasicRequestContext>, logger: Logger,
        idleTimeout: Duration = GroomerServer.idleTimeout, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(idleTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: "groomer"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    public static func buildRouter(receiver: WebhookReceiver, store: any GroomerStore, extras: Extras = Extras()) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: UnknownPathMiddleware())
        router.post("/webhooks/github") { request, context in
            try await receiver.handle(request, context: context)
        }
        for method in [HTTPRequest.Method.get, .head, .put, .patch, .delete, .options] {
            router.on("/webhooks/github", method: method) { _, _ -> Response in
                GroomerMetrics.webhookRefused(status: 405)
                throw APIError.methodNotAllowed(allow: "POST")
            }
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/readyz") { _, context -> Response in
            do {
                try await store.checkReady()
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready"}"#)))
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                throw APIError(status: .serviceUnavailable, reason: "store not ready")
            }
        }
        if let registry = extras.metrics {
            router.get("/metrics") { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            }
        }
        if let routes = extras.operatorRoutes {
            routes.add(to: router, adminToken: extras.adminToken)
            MaintainerPage(operatorRoutes: routes, adminToken: extras.adminToken, gitHubAPIURL: extras.gitHubAPIURL).add(to: router)
        }
        return router
    }
}

/// A path no route serves answers 404 in the same JSON as every other error, not an empty body.
struct UnknownPathMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw APIError.notFound("no such endpoint")
        }
    }
}
