import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat

/// Every failure the HTTP surface answers, each with its status: the one place statuses are chosen.
/// The body is `{"error":"<short reason>"}`; it never echoes a signature, a secret or a trace.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var reason: String
    public var headers: HTTPFields = [:]

    public static func methodNotAllowed(allow: String) -> APIError {
        APIError(status: .methodNotAllowed, reason: "method not allowed", headers: [.allow: allow])
    }
    public static func unauthorized(_ reason: String) -> APIError { APIError(status: .unauthorized, reason: reason) }
    public static func badRequest(_ reason: String) -> APIError { APIError(status: .badRequest, reason: reason) }
    public static let payloadTooLarge = APIError(status: .contentTooLarge, reason: "body larger than 25 MiB")
    public static let unsupportedMediaType = APIError(
        status: .unsupportedMediaType, reason: "Content-Type must be application/json or application/x-www-form-urlencoded")
    public static let requestTimeout = APIError(
        status: .requestTimeout, reason: "body not received in time; the delivery was not recorded")
    public static func notFound(_ reason: String) -> APIError { APIError(status: .notFound, reason: reason) }
    public static let storeUnavailable = APIError(
        status: .serviceUnavailable, reason: "store unavailable; the delivery was not recorded, redeliver it later")

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: CompactJSON.encode(["error": reason]))))
    }
}
