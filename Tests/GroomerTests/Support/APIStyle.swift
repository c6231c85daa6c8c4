import Foundation

/// The one JSON style of `/api`: snake_case keys, and every time an ISO 8601 UTC string that an
/// ordinary JSON client reads right (never seconds since 2001, nor a local time).
enum APIStyle {
    /// Objects whose keys are data, not field names: a model's `labels`, by label name.
    static let keyedByData: Set<String> = ["labels"]

    /// What in `json` (as `JSONSerialization` reads it) breaks the style, each with its path.
    static func violations(_ json: Any, at path: String = "$") -> [String] {
        var found: [String] = []
        if let object = json as? [String: Any] {
            let dataKeys = keyedByData.contains(path.split(separator: ".").last.map(String.init) ?? "")
            for (key, value) in object {
                let here = "\(path).\(key)"
                if !dataKeys, key.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) == nil {
                    found.append("\(here): key not snake_case")
                }
                if key.hasSuffix("_at") {
                    if !(value is NSNull), time(value) == nil { found.append("\(here): \(value) is not an ISO 8601 UTC time") }
                }
                found += violations(value, at: here)
            }
        } else if let array = json as? [Any] {
            for (index, element) in array.enumerated() { found += violations(element, at: "\(path)[\(index)]") }
        } else if let text = json as? String, text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:"#, options: .regularExpression) != nil, time(text) == nil {
            found.append("\(path): \(text) looks like a time but is not ISO 8601 UTC")
        }
        return found
    }

    /// The instant `value` names, when it is an ISO 8601 string in UTC (`Z`), with or without fractions.
    static func time(_ value: Any) -> Date? {
        guard let text = value as? String, text.hasSuffix("Z") else { return nil }
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: text) ?? fractional.date(from: text)
    }
}
