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

    /// The JSON of every `/api` answer and of `--json` output: sorted keys (snake_case, each
    /// answer's type names them) and any time in ISO 8601 UTC with milliseconds
    /// (`2026-03-01T10:00:00.000Z`). The store's own records keep `encode`'s form.
    public static func api<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.iso8601)
        }
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
