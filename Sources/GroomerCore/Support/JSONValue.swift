import Foundation

/// A JSON value with no Foundation number/bool ambiguity: schemas sent to the LLM, model
/// answers, and anything else whose shape is only known at run time.
public indirect enum JSONValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])
    /// An object whose members go out in the order of `keys` (where an encoder does not sort
    /// keys): a JSON Schema's `properties`, whose order a model reads as the order to answer in.
    case orderedObject(keys: [String], members: [String: JSONValue])

    /// An object whose members keep the order given.
    public static func ordered(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .orderedObject(keys: members.map(\.key), members: Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .orderedObject(let keys, let members) = self {
            var container = encoder.container(keyedBy: Key.self)
            for key in keys { try container.encode(members[key] ?? .null, forKey: Key(stringValue: key)) }
            return
        }
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .orderedObject: break  // encoded above
        }
    }

    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    public subscript(key: String) -> JSONValue? {
        return object?[key]
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var object: [String: JSONValue]? {
        switch self {
        case .object(let o): return o
        case .orderedObject(_, let members): return members
        default: return nil
        }
    }

    /// Compact JSON text with sorted keys.
    public var description: String { CompactJSON.string(self) }

    /// Compact JSON text in which an `orderedObject` keeps its order (Foundation's encoder
    /// does not promise one) and a plain object's keys are sorted.
    public var orderedText: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if !n.isFinite { out += "null" } else if n.rounded() == n, abs(n) < 1e15 { out += String(Int64(n)) } else { out += "\(n)" }
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            Self.writeMembers(members.keys.sorted(), members, into: &out)
        case .orderedObject(let keys, let members):
            Self.writeMembers(keys, members, into: &out)
        }
    }

    private static func writeMembers(_ keys: [String], _ members: [String: JSONValue], into out: inout String) {
        out += "{"
        for (index, key) in keys.enumerated() {
            if index > 0 { out += "," }
            quote(key, into: &out)
            out += ":"
            (members[key] ?? .null).write(into: &out)
        }
        out += "}"
    }

    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
