/// A value bound to, or read from, a SQL statement in either backend.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func optional(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    static func optional(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
    static func optional(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
}

/// One result row, read by column position.
public struct SQLRow: Sendable {
    var values: [SQLValue]

    func string(_ index: Int) -> String? {
        switch values[index] {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .null: return nil
        }
    }

    func int64(_ index: Int) -> Int64? {
        switch values[index] {
        case .integer(let i): return i
        case .real(let d): return Int64(exactly: d.rounded())
        case .text(let s): return Int64(s)
        case .null: return nil
        }
    }

    func int(_ index: Int) -> Int? { int64(index).map { Int($0) } }
}
