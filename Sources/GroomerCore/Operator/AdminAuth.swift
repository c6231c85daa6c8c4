import COpenSSL
import Foundation
import HTTPTypes
import Hummingbird

/// `Authorization: Bearer <admin token>` on the operator endpoints, compared in
/// constant time. With no token configured the endpoints do not exist: 404.
public struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]?

    public init(token: String?) {
        self.token = token.map { Array($0.utf8) }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { throw APIError.notFound("not found") }
        let presented = request.headers[.authorization].flatMap { header -> [UInt8]? in
            guard header.hasPrefix("Bearer ") else { return nil }
            return Array(header.dropFirst("Bearer ".count).utf8)
        }
        guard let presented, Self.constantTimeEqual(presented, token) else {
            throw APIError(status: .unauthorized, reason: "admin token missing or wrong", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Length check, then `CRYPTO_memcmp`: the time taken does not depend on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 } }
    }
}
