import Foundation

/// The page's login: a signed, expiring session cookie set after the admin token is given once,
/// and a CSRF token derived from the session that every action must carry.
///
/// The signing key is derived from the admin token, so sessions hold across restarts and
/// replicas, and changing the token ends them all. Nothing secret is in the cookie: an expiry,
/// a random nonce and the HMAC of both.
public struct PageSessions: Sendable {
    public static let cookieName = "groomer_session"
    /// How long a login lasts.
    public static let lifetime: TimeInterval = 12 * 3_600

    private let key: [UInt8]
    private let adminToken: [UInt8]

    public init(adminToken: String) {
        self.adminToken = Array(adminToken.utf8)
        key = HMACSHA256.digest(key: Array(adminToken.utf8), message: Array("groomer page session v1".utf8))
    }

    /// A valid session.
    public struct Session: Sendable, Equatable {
        public var nonce: String
        public var expiresAt: Date
    }

    /// Whether `token` is the admin token (constant time).
    public func accepts(token: String) -> Bool {
        HMACSHA256.equal(Array(token.utf8), adminToken)
    }

    /// A new session's cookie value, from now.
    public func issue(now: Date) -> (value: String, session: Session) {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let expiry = Int64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970)
        let payload = "\(expiry).\(nonce)"
        return ("\(payload).\(Self.hex(sign(payload)))", Session(nonce: nonce, expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry))))
    }

    /// The session a cookie value stands for, or nil when it is forged, malformed or expired.
    public func session(cookie value: String, now: Date) -> Session? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[0]), parts[1].count == 32, let signature = Self.bytes(hex: String(parts[2])) else {
            return nil
        }
        guard HMACSHA256.equal(sign("\(parts[0]).\(parts[1])"), signature) else { return nil }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(expiry))
        guard expiresAt > now else { return nil }
        return Session(nonce: String(parts[1]), expiresAt: expiresAt)
    }

    /// The CSRF token of a session: what its forms carry.
    public func csrfToken(for session: Session) -> String { Self.hex(sign("csrf.\(session.nonce)")) }

    /// Whether `token` is the session's CSRF token (constant time).
    public func checks(csrf token: String, for session: Session) -> Bool {
        guard let bytes = Self.bytes(hex: token) else { return false }
        return HMACSHA256.equal(bytes, sign("csrf.\(session.nonce)"))
    }

    /// The `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, scoped to the page, `Secure` behind HTTPS.
    public static func setCookie(_ value: String, secure: Bool, maxAge: Int = Int(lifetime)) -> String {
        "\(cookieName)=\(value); Path=/ui; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    private func sign(_ text: String) -> [UInt8] { HMACSHA256.digest(key: key, message: Array(text.utf8)) }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0, !utf8.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = HexDigit.value(utf8[index]), let low = HexDigit.value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
