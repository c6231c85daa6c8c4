import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// `POST /webhooks/github`: verify, then hand the delivery to the intake and answer.
///
/// Checks run in this order: signature header, body cap while reading (the HMAC is
/// computed as the bytes arrive, so the body is held once), signature, media type, GitHub's
/// headers, then the payload. Nothing here calls GitHub or the LLM.
public struct WebhookReceiver: Sendable {
    /// GitHub's own cap on a delivery.
    public static let maximumBodySize = 25 * 1024 * 1024

    /// How long a body may take to arrive, however it trickles: a client that sends a byte now
    /// and then cannot hold a connection open for ever (the server's idle timeout ends one that
    /// stops sending altogether). GitHub itself gives up on a delivery after 10 seconds.
    public static let bodyDeadline = Duration.seconds(30)

    public let secrets: WebhookSecrets
    public let intake: WebhookIntake
    public let maximumBodySize: Int
    public let bodyDeadline: Duration
    private let refusals = RefusalLog()

    public init(secrets: WebhookSecrets, intake: WebhookIntake, maximumBodySize: Int = WebhookReceiver.maximumBodySize,
                bodyDeadline: Duration = WebhookReceiver.bodyDeadline) {
        self.secrets = secrets
        self.intake = intake
        self.maximumBodySize = maximumBodySize
        self.bodyDeadline = bodyDeadline
    }

    public func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let headers = WebhookHeaders(request.headers)
        do {
            return try await handle(request, headers: headers, context: context)
        } catch let error as APIError {
            refusals.refused(status: Int(error.status.code), reason: error.reason, hookID: headers.hookID, event: headers.event,
                             logger: context.logger)
            throw error
        }
    }

    private func handle(_ request: Request, headers: WebhookHeaders, context: some RequestContext) async throws -> Response {
        let body = try await readSignedBody(request, headers: headers)
        let payload = try Self.payload(of: body, contentType: headers.contentType)

        guard let event = headers.event, Self.isPlainToken(event, maxLength: 100) else {
            throw APIError.badRequest("X-GitHub-Event header missing or malformed")
        }
        guard let guid = headers.delivery, Self.isPlainToken(guid, maxLength: 200) else {
            throw APIError.badRequest("X-GitHub-Delivery header missing or malformed")
        }
        let hookID = headers.hookID ?? ""
        guard hookID.isEmpty || Self.isPlainToken(hookID, maxLength: 100) else {
            throw APIError.badRequest("X-GitHub-Hook-ID header malformed")
        }

        let outcome: WebhookIntake.Outcome
        do {
            outcome = try await intake.accept(event: event, guid: guid, hookID: hookID, payload: payload, logger: context.logger)
        } catch {
            context.logger.error("store could not record the delivery",
                                 metadata: ["delivery": "\(guid)", "event": "\(event)", "error": "\(error)"])
            throw APIError.storeUnavailable
        }
        return try WebhookReply(outcome).response()
    }

    /// Checks the signature header, then reads the body up to the cap, feeding the HMAC as it
    /// goes; throws 401, 413 or 408.
    func readSignedBody(_ request: Request, headers: WebhookHeaders) async throws -> ByteBuffer {
        guard let header = headers.signature else {
            throw APIError.unauthorized("X-Hub-Signature-256 header missing")
        }
        guard let expected = SignatureHeader.parse(header) else {
            throw APIError.unauthorized("X-Hub-Signature-256 is not sha256= followed by 64 hex digits")
        }
        return try await readVerifiedBody(request, declaredLength: headers.contentLength, expected: expected)
    }

    private func readVerifiedBody(_ request: Request, declaredLength: String?, expected: [UInt8]) async throws -> ByteBuffer {
        let verifier = secrets.verifier()
        let body = try await readBody(request, declaredLength: declaredLength) { chunk in chunk.withUnsafeReadableBytes { verifier.update($0) } }
        guard verifier.matches(expected) else { throw APIError.unauthorized("signature does not match") }
        return body
    }

    /// Reads the body up to the cap (413 beyond it, or at once when `Content-Length` declares more)
    /// and the deadline (408 past it), showing each chunk to `inspect` as it arrives.
    func readBody(_ request: Request, declaredLength: String?, inspect: (ByteBuffer) -> Void = { _ in }) async throws -> ByteBuffer {
        let declared = declaredLength.flatMap { Int($0) }
        if let declared, declared > maximumBodySize { throw APIError.payloadTooLarge }
        let deadline = ContinuousClock.now + bodyDeadline
        var body = ByteBuffer()
        body.reserveCapacity(min(declared ?? 16_384, maximumBodySize))
        for try await chunk in request.body {
            guard ContinuousClock.now < deadline else { throw APIError.requestTimeout }
            guard body.readableBytes + chunk.readableBytes <= maximumBodySize else { throw APIError.payloadTooLarge }
            inspect(chunk)
            body.writeImmutableBuffer(chunk)
        }
        return body
    }

    /// The JSON payload: the body itself, or the `payload` field of a form body.
    static func payload(of body: ByteBuffer, contentType: String?) throws -> Data {
        switch contentType.flatMap(MediaType.init(contentType:)) {
        case .json:
            // Shares the buffer's storage: the body is held once.
            return body.getData(at: body.readerIndex, length: body.readableBytes, byteTransferStrategy: .noCopy) ?? Data()
        case .form:
            guard let payload = FormBody.field("payload", in: body.readableBytesView) else {
                throw APIError.badRequest("form body lacks the payload field")
            }
            return payload
        case nil:
            throw APIError.unsupportedMediaType
        }
    }

    /// The two media types GitHub sends, read from a `Content-Type` value: its part before any
    /// parameters, without surrounding spaces or tabs, in any letter case.
    enum MediaType {
        case json, form

        init?(contentType: String) {
            let bytes = contentType.utf8
            let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            var value = bytes[bytes.startIndex..<end]
            let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            while let first = value.first, isSpace(first) { value = value.dropFirst() }
            while let last = value.last, isSpace(last) { value = value.dropLast() }
            func matches(_ name: String) -> Bool { value.lazy.map(Self.lowercased).elementsEqual(name.utf8) }
            if matches("application/json") {
                self = .json
            } else if matches("application/x-www-form-urlencoded") {
                self = .form
            } else {
                return nil
            }
        }

        private static func lowercased(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
        }
    }

    /// A header value that is printable ASCII with no spaces, as GitHub's GUIDs, events and ids are.
    static func isPlainToken(_ value: String, maxLength: Int) -> Bool {
        !value.isEmpty && value.utf8.count <= maxLength && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ",") }
    }
}

/// The answer to a recorded delivery, written without an encoder: it is on
/// every delivery's path.
struct WebhookReply {
    var status: HTTPResponse.Status
    var body: [UInt8]

    init(_ outcome: WebhookIntake.Outcome) throws {
        var json = JSONWriter()
        switch outcome.result {
        case .duplicate:
            status = .ok
            json.object { $0.field("duplicate", true) }
        case .recorded(_, let request):
            switch outcome.effect {
            case .groom(let key, _, _):
                status = .accepted
                json.object { reply in
                    reply.key("queued")
                    reply.object { queued in
                        if let request {
                            queued.field("due_at", request.dueAt.iso8601)
                            queued.field("events", request.events)
                        }
                        queued.field("issue", key.number)
                        queued.field("repository", key.repository)
                    }
                }
            case .cancel(let key, let reason):
                status = .ok
                json.object { reply in
                    if request != nil {
                        reply.field("cancelled", key.description)
                        reply.field("ignored", reason)
                    } else {
                        reply.field("ignored", "\(reason); nothing was pending")
                    }
                }
            case .labelDecision(let decision):
                status = .ok
                json.object { reply in
                    reply.field("change", decision.change.rawValue)
                    reply.field("ignored", "label decision by a human recorded; no groom")
                    reply.field("label", decision.label)
                }
            case .ping(let hookID):
                status = .ok
                json.object { reply in
                    // A number, as GitHub's own `hook_id`; a hook id header that is not one stays text.
                    if let number = Int(hookID) { reply.field("hook_id", number) } else { reply.field("hook_id", hookID) }
                    reply.field("pong", true)
                }
            case .ignore(let reason):
                status = .ok
                json.object { $0.field("ignored", reason) }
            case .reject(let reason):
                throw APIError.badRequest(reason)
            }
        }
        body = json.bytes
    }

    func response() -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
