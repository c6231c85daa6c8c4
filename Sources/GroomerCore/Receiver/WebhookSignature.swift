import COpenSSL
import Foundation

/// The webhook secrets that may sign a delivery; several during a rotation.
///
/// Verification is HMAC-SHA256 (OpenSSL) over the raw body bytes, compared in constant
/// time with `CRYPTO_memcmp` after a length check. Only `X-Hub-Signature-256` is accepted.
public struct WebhookSecrets: Sendable {
    private let keyed: [HMACKey]

    /// - Parameter secrets: one or more non-empty secrets.
    public init(_ secrets: [String]) {
        keyed = secrets.map { HMACKey(Array($0.utf8)) }
    }

    /// Parses the `GROOMER_WEBHOOK_SECRET` form: comma-separated, surrounding blanks trimmed.
    public static func parse(_ value: String) -> WebhookSecrets? {
        let parts = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : WebhookSecrets(parts)
    }

    public var count: Int { keyed.count }

    /// Starts an incremental verification, to be fed the body as it arrives.
    public func verifier() -> SignatureVerifier { SignatureVerifier(keys: keyed) }

    /// Verifies a whole body at once.
    public func verify(header: String, body: some ContiguousBytes) -> Bool {
        guard let expected = SignatureHeader.parse(header) else { return false }
        let verifier = verifier()
        body.withUnsafeBytes { verifier.update($0) }
        return verifier.matches(expected)
    }

    /// `sha256=` + lowercase hex of the HMAC of `body` with the first secret; what GitHub sends.
    public func sign(_ body: some ContiguousBytes) -> String {
        let verifier = SignatureVerifier(keys: [keyed[0]])
        body.withUnsafeBytes { verifier.update($0) }
        return SignatureHeader.render(verifier.finalize()[0])
    }
}

/// HMAC-SHA256 (OpenSSL) for groomer's own tokens: the page's session cookie and CSRF token.
public enum HMACSHA256 {
    /// The 32-byte HMAC of `message` under `key`.
    public static func digest(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let verifier = SignatureVerifier(keys: [HMACKey(key)])
        message.withUnsafeBytes { verifier.update($0) }
        return verifier.finalize().first ?? []
    }

    /// Equal bytes, compared in constant time once the lengths agree.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 } }
    }
}

/// The `X-Hub-Signature-256` header: `sha256=` followed by 64 hex digits.
public enum SignatureHeader {
    /// The 32 digest bytes, or nil when the header is malformed.
    public static func parse(_ header: String) -> [UInt8]? {
        let utf8 = Array(header.utf8)
        let prefix = Array("sha256=".utf8)
        guard utf8.count == prefix.count + 64, Array(utf8[..<prefix.count]) == prefix else { return nil }
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        var index = prefix.count
        while index < utf8.count {
            guard let high = HexDigit.value(utf8[index]), let low = HexDigit.value(utf8[index + 1]) else { return nil }
            digest.append(high << 4 | low)
            index += 2
        }
        return digest
    }

    static func render(_ digest: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("sha256=".utf8)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

}

/// An HMAC-SHA256 over a body fed in chunks, against every configured secret at once.
public final class SignatureVerifier {
    private let contexts: [OpaquePointer?]

    fileprivate init(keys: [HMACKey]) {
        contexts = keys.map { EVP_MAC_CTX_dup($0.template) }
    }

    deinit {
        for context in contexts { EVP_MAC_CTX_free(context) }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        for context in contexts {
            EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
    }

    /// True when any secret's HMAC equals `expected`; constant time per secret.
    public func matches(_ expected: [UInt8]) -> Bool {
        var matched = false
        for digest in finalize() where digest.count == expected.count {
            let equal = digest.withUnsafeBytes { a in
                expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
            }
            matched = matched || equal
        }
        return matched
    }

    fileprivate func finalize() -> [[UInt8]] {
        contexts.map { context in
            var out = [UInt8](repeating: 0, count: 32)
            var length = 0
            guard context != nil, EVP_MAC_final(context, &out, &length, out.count) == 1 else { return [] }
            return Array(out[..<length])
        }
    }
}

/// One secret's keyed HMAC context, duplicated per verification so the key is set up once.
private final class HMACKey: @unchecked Sendable {  // @unchecked: the template context is never mutated after init, only duplicated
    let template: OpaquePointer?

    init(_ key: [UInt8]) {
        template = key.withUnsafeBufferPointer { groomer_hmac_sha256_new($0.baseAddress, $0.count) }
    }

    deinit { EVP_MAC_CTX_free(template) }
}
