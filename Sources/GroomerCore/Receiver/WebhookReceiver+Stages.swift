import Foundation
import Hummingbird

/// The webhook's work up to a stage and nothing after, so a benchmark can measure the route
/// against its own ceilings in the same process. None of them records anything.
@_spi(Benchmark)
extension WebhookReceiver {
    /// Reads the body under the webhook's cap.
    public func readBodyOnly(_ request: Request) async throws {
        _ = try await readBody(request, declaredLength: WebhookHeaders(request.headers).contentLength)
    }

    /// Also verifies `X-Hub-Signature-256` as the webhook does (401 on a mismatch).
    public func readSignedBodyOnly(_ request: Request) async throws {
        _ = try await readSignedBody(request, headers: WebhookHeaders(request.headers))
    }

    /// Also reads the payload and maps it as an `issues` event: everything but the store
    /// (400 for a payload the mapper rejects).
    public func mapOnly(_ request: Request) async throws {
        let headers = WebhookHeaders(request.headers)
        let body = try await readSignedBody(request, headers: headers)
        let payload = try WebhookReceiver.payload(of: body, contentType: headers.contentType)
        let mapped = intake.mapper.map(event: "issues", payload: payload, guid: "ceiling", receivedAt: Date())
        if case .reject(let reason) = mapped.effect { throw APIError.badRequest(reason) }
    }
}
