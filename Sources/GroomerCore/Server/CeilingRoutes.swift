import Foundation
import Hummingbird
import NIOCore

/// Routes that do part of the webhook's work and nothing else, so a benchmark can measure
/// the receiver against its own ceilings in the same process (`groomer serve --ceiling-routes`):
///
/// - `POST /ceiling/body` reads the body under the same cap and answers 202;
/// - `POST /ceiling/hmac` also verifies `X-Hub-Signature-256` as the webhook does (401 on a mismatch);
/// - `POST /ceiling/map` also reads the payload and maps it as an `issues` event: everything but the store.
///
/// None of them records anything. They are off unless asked for.
enum CeilingRoutes {
    static func add(to router: Router<BasicRequestContext>, receiver: WebhookReceiver) {
        router.post("/ceiling/body") { request, _ -> Response in
            _ = try await receiver.readBody(request, declaredLength: WebhookHeaders(request.headers).contentLength)
            return Response(status: .accepted)
        }
        router.post("/ceiling/hmac") { request, _ -> Response in
            _ = try await receiver.readSignedBody(request, headers: WebhookHeaders(request.headers))
            return Response(status: .accepted)
        }
        router.post("/ceiling/map") { request, _ -> Response in
            let headers = WebhookHeaders(request.headers)
            let body = try await receiver.readSignedBody(request, headers: headers)
            let payload = try WebhookReceiver.payload(of: body, contentType: headers.contentType)
            let mapped = receiver.intake.mapper.map(event: "issues", payload: payload, guid: "ceiling", receivedAt: Date())
            if case .reject(let reason) = mapped.effect { throw APIError.badRequest(reason) }
            return Response(status: .accepted)
        }
    }
}
