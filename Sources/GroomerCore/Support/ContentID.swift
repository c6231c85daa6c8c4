import COpenSSL
import Foundation

/// Stable identifiers derived from content (SHA-256 via OpenSSL).
enum ContentID {
    /// A UUID-shaped id from the SHA-256 of `salt` and `bytes`.
    static func uuid(of bytes: Data, salt: String) -> String {
        let digest = sha256(Data(salt.utf8) + bytes)
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20).prefix(12)]
        return parts.joined(separator: "-")
    }

    static func sha256(_ bytes: Data) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        bytes.withUnsafeBytes { raw in
            _ = EVP_Digest(raw.baseAddress, raw.count, &out, &length, EVP_sha256(), nil)
        }
        return out
    }
}
