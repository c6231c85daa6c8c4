import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Builds the HTTP application the way `groomer serve` runs it; tests call the same builder.
public enum GroomerServer {
    /// - Parameters:
    ///   - onRunning: called with the bound port once the server listens (tests bind port 0).
    public static func buildApplication(
        host: String, port: Int, receiver: WebhookReceiver, store: any GroomerStore, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(receiver: receiver, store: store)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "groomer"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    public static func buildRouter(receiver: WebhookReceiver, store: any GroomerStore) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/webhooks/github") { request, context in
            try await receiver.handle(request, context: context)
        }
        for method in [HTTPRequest.Method.get, .head, .put, .patch, .delete, .options] {
            router.on("/webhooks/github", method: method) { _, _ -> Response in
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
        return router
    }
}
