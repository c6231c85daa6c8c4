import Foundation
import Testing

/// Bodies no JSON parser should accept, and random mutations of good ones: the hostile corpus
/// shared by the scanner's tests and the live receiver's.
enum HostileJSON {
    struct Sample: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: Data
        var testDescription: String { name }
    }

    static let rejected: [Sample] = {
        func text(_ name: String, _ body: String) -> Sample { Sample(name: name, bytes: Data(body.utf8)) }
        func raw(_ name: String, _ body: [UInt8]) -> Sample { Sample(name: name, bytes: Data(body)) }
        let issue = #"{"action":"opened","issue":{"number":1,"title":"#
        return [
            text("empty", ""), text("whitespace only", "  \n"), text("truncated object", #"{"action":"op"#),
            text("truncated after colon", #"{"action":"#), text("truncated number", #"{"n":-"#), text("unclosed array", #"{"a":[1,2"#),
            text("trailing comma in object", #"{"a":1,}"#), text("trailing comma in array", #"{"a":[1,]}"#),
            text("missing comma", #"{"a":1 "b":2}"#), text("missing colon", #"{"a" 1}"#), text("unquoted key", #"{a:1}"#),
            text("single quotes", #"{'a':1}"#), text("garbage after the object", #"{"a":1} x"#), text("two objects", #"{}{}"#),
            text("leading zero", #"{"n":01}"#), text("bare fraction", #"{"n":.5}"#), text("dangling exponent", #"{"n":1e}"#),
            text("NaN", #"{"n":NaN}"#), text("Infinity", #"{"n":Infinity}"#), text("hex number", #"{"n":0x10}"#),
            text("plus sign", #"{"n":+1}"#), text("misspelt true", #"{"b":tru}"#), text("capital null", #"{"b":NULL}"#),
            text("bad escape", issue + #""\x"}}"#), text("short unicode escape", issue + #""\u12"}}"#),
            text("lone high surrogate", issue + #""\ud800"}}"#), text("lone low surrogate", issue + #""\udc00"}}"#),
            text("high surrogate then text", issue + #""\ud800abc"}}"#), text("raw tab in a string", issue + "\"a\tb\"}}"),
            text("raw newline in a string", issue + "\"a\nb\"}}"), text("comment", "{/* c */\"a\":1}"),
            raw("invalid UTF-8 byte", Array(issue.utf8) + [0x22, 0xFF, 0x22, 0x7D, 0x7D]),
            raw("overlong slash", Array(issue.utf8) + [0x22, 0xC0, 0xAF, 0x22, 0x7D, 0x7D]),
            raw("encoded surrogate", Array(issue.utf8) + [0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D, 0x7D]),
            raw("truncated sequence", Array(issue.utf8) + [0x22, 0xE2, 0x82, 0x22, 0x7D, 0x7D]),
            raw("beyond U+10FFFF", Array(issue.utf8) + [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x7D, 0x7D]),
            raw("NUL byte", [0x7B, 0x00, 0x7D]), raw("UTF-16 little endian", [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]),
            text("nesting 513 deep", "{\"a\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}"),
            text("nesting 100,000 deep", "{\"a\":" + String(repeating: "[", count: 100_000) + "}"),
        ]
    }()

    /// One random edit of `data`: a flipped, inserted or deleted byte, a cut, or a spliced token.
    static func mutate(_ data: Data, using generator: inout some RandomNumberGenerator) -> Data {
        var bytes = [UInt8](data)
        let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "1e999", "-0", "null", "true", "0.5",
                                 "\u{0}", "é", "😀"].map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80]]
        for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes = Array(bytes[..<at])
            default: bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: at)
            }
        }
        return Data(bytes)
    }

    /// A short printable description of a body, for failure messages.
    static func describe(_ data: Data) -> String {
        let text = String(decoding: data.prefix(120), as: UTF8.self)
        return "\(data.count) bytes: \(text.debugDescription)"
    }
}
