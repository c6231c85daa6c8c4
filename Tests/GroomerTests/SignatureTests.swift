import Foundation
import GroomerCore
import Testing

/// One vector of `fixtures/github/signature-vectors.txt`.
struct SignatureVector: CustomTestStringConvertible, Sendable {
    var name: String
    var secret: String
    var payload: Data
    var expected: String
    var testDescription: String { name }

    /// The SHA-256 vectors of the file; payloads written C-escaped in quotes are unescaped.
    static func all() throws -> [SignatureVector] {
        let text = try String(contentsOf: Fixtures.github.appendingPathComponent("signature-vectors.txt"), encoding: .utf8)
        var vectors: [SignatureVector] = []
        var name = "", secret = "", payload = Data()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") { name = String(line.dropFirst(3).prefix(while: { $0 != " " })) }
            if line.hasPrefix("SECRET:") { secret = value(line) }
            if line.hasPrefix("PAYLOAD:") {
                let raw = value(line)
                if raw.hasPrefix("\"") {
                    let literal = String(raw.dropFirst().prefix(upTo: raw.dropFirst().lastIndex(of: "\"")!))
                    payload = Data(unescape(literal).utf8)
                } else {
                    // A bare payload runs until two spaces start the annotation.
                    payload = Data((raw.range(of: "  ").map { String(raw[..<$0.lowerBound]) } ?? raw).utf8)
                }
            }
            if line.hasPrefix("EXPECTED:"), value(line).hasPrefix("sha256=") {
                vectors.append(SignatureVector(name: name, secret: secret, payload: payload, expected: value(line)))
            }
        }
        return vectors
    }

    private static func value(_ line: String) -> String {
        String(line.drop(while: { $0 != ":" }).dropFirst()).trimmingCharacters(in: .whitespaces)
    }

    private static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\"", with: "\"")
    }
}

@Suite struct SignatureTests {
    @Test func theVectorFileHoldsEveryDocumentedSHA256Vector() throws {
        let vectors = try SignatureVector.all()
        #expect(vectors.map(\.name) == ["V1", "V2", "V4"])
        #expect(vectors.first?.payload == Data("Hello, World!".utf8))
        #expect(vectors.last?.payload.count == 19)
    }

    @Test(arguments: try SignatureVector.all())
    func vectorVerifies(_ vector: SignatureVector) {
        let secrets = WebhookSecrets([vector.secret])
        #expect(secrets.verify(header: vector.expected, body: vector.payload))
        #expect(secrets.sign(vector.payload) == vector.expected)
    }

    @Test(arguments: try SignatureVector.all())
    func oneByteChangeOfBodyFails(_ vector: SignatureVector) {
        let secrets = WebhookSecrets([vector.secret])
        for index in [0, vector.payload.count / 2, vector.payload.count - 1] {
            var body = vector.payload
            body[index] ^= 0x01
            #expect(!secrets.verify(header: vector.expected, body: body))
        }
        #expect(!secrets.verify(header: vector.expected, body: vector.payload + Data([0x0a])))
    }

    @Test(arguments: try SignatureVector.all())
    func oneCharacterChangeOfSignatureFails(_ vector: SignatureVector) {
        let secrets = WebhookSecrets([vector.secret])
        var header = Array(vector.expected)
        for index in [7, 30, header.count - 1] {
            let original = header[index]
            header[index] = original == "0" ? "1" : "0"
            #expect(!secrets.verify(header: String(header), body: vector.payload))
            header[index] = original
        }
    }

    @Test func malformedHeadersNeverVerify() {
        let secrets = WebhookSecrets(["mysecret"])
        let body = Data(#"{"foo":"bar"}"#.utf8)
        let good = "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3"
        #expect(secrets.verify(header: good, body: body))
        #expect(secrets.verify(header: good.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), body: body))
        for header in ["", "sha256=", String(good.dropLast()), good + "0", "sha1=d03207e4b030cf234e3447bac4d93add4c6643d8",
                       "SHA256=" + good.dropFirst(7), "sha256=" + String(repeating: "g", count: 64), " " + good] {
            #expect(!secrets.verify(header: header, body: body), "\(header)")
        }
    }

    @Test func anyRotatedSecretMatches() {
        let body = Data(#"{"foo":"bar"}"#.utf8)
        let header = WebhookSecrets(["new-secret"]).sign(body)
        #expect(WebhookSecrets.parse("old-secret, new-secret")!.verify(header: header, body: body))
        #expect(WebhookSecrets.parse("new-secret,old-secret")!.verify(header: header, body: body))
        #expect(!WebhookSecrets.parse("old-secret,other")!.verify(header: header, body: body))
        #expect(WebhookSecrets.parse(" , ") == nil)
    }

    @Test func aBodyFedInChunksVerifiesLikeOneBuffer() {
        let secrets = WebhookSecrets(["k"])
        let body = Data((0..<100_000).map { UInt8($0 % 251) })
        let header = secrets.sign(body)
        let verifier = secrets.verifier()
        var offset = 0
        while offset < body.count {
            let end = min(offset + 7_919, body.count)
            body[offset..<end].withUnsafeBytes { verifier.update($0) }
            offset = end
        }
        #expect(verifier.matches(SignatureHeader.parse(header)!))
    }
}
