import Foundation

/// Encodes a Codable value as compact JSON bytes with sorted keys (stable output for logs and tests).
public enum CompactJSON {
    public static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail; fall back to an empty object.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    public static func string<T: Encodable>(_ value: T) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
