import COpenSSL
import Foundation

/// A GitHub App's private key, and the RS256 JWTs it signs (OpenSSL).
public final class AppSigningKey: @unchecked Sendable {  // @unchecked: the EVP_PKEY is only read after init; OpenSSL allows concurrent signing with one key
    private let key: OpaquePointer

    /// Reads a PEM private key (PKCS#1 or PKCS#8), as GitHub hands it out.
    public init(pem: Data) throws(CredentialError) {
        let bio = pem.withUnsafeBytes { raw in BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) }
        defer { BIO_free(bio) }
        guard let bio, let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw CredentialError.keyNotPEM
        }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw CredentialError.keyNotRSA
        }
        self.key = key
    }

    public convenience init(path: String) throws(CredentialError) {
        guard let pem = FileManager.default.contents(atPath: path) else {
            throw CredentialError.keyUnreadable(path: path)
        }
        try self.init(pem: pem)
    }

    deinit { EVP_PKEY_free(key) }

    /// The app's JWT: `iat` 60 s in the past (clock drift), `exp` 9 minutes ahead (GitHub allows 10).
    public func jwt(appID: String, now: Date) throws(CredentialError) -> String {
        let issued = Int(now.timeIntervalSince1970) - 60
        let header = Base64URL.encode(Data(#"{"alg":"RS256","typ":"JWT"}"#.utf8))
        let claims = Base64URL.encode(CompactJSON.encode(Claims(iat: issued, exp: issued + 600, iss: appID)))
        let signingInput = "\(header).\(claims)"
        return "\(signingInput).\(Base64URL.encode(try sign(Data(signingInput.utf8))))"
    }

    private struct Claims: Encodable {
        var iat: Int
        var exp: Int
        var iss: String
    }

    private func sign(_ message: Data) throws(CredentialError) -> Data {
        guard let context = EVP_MD_CTX_new() else { throw CredentialError.signing("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw CredentialError.signing("cannot start an RS256 signature")
        }
        var length = 0
        let ok = message.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress
            guard EVP_DigestSign(context, nil, &length, bytes, raw.count) == 1 else { return false }
            return true
        }
        guard ok else { throw CredentialError.signing("cannot size the RS256 signature") }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBytes { raw -> Bool in
            EVP_DigestSign(context, &signature, &length, raw.bindMemory(to: UInt8.self).baseAddress, raw.count) == 1
        }
        guard signed else { throw CredentialError.signing("the signature failed") }
        return Data(signature[..<length])
    }
}

/// Base64url without padding, as JWTs use.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
