import Foundation

/// Labelled issues read from a file, whatever its format: CSV with a header holding at least
/// `repo`, `label`, `title` and `body` (`created_at` optional; the NLBSE layout), JSON Lines of
/// `{"repository","number","title","body","labels":[…],"created_at"}`, or a JSON array of
/// issues as GitHub's REST API returns them (labels as objects, `repository_url`).
public enum Corpus {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var source: String
        public var problem: String
        public var description: String { "\(source): \(problem)" }
    }

    public static func parse(_ data: Data, source: String) throws(Problem) -> [LabelledIssue] {
        let start = data.prefix(4096).drop { [0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].contains($0) }
        switch start.first {
        case UInt8(ascii: "["): return try jsonArray(data, source: source)
        case UInt8(ascii: "{"): return try jsonLines(data, source: source)
        case nil: throw Problem(source: source, problem: "the file is empty")
        default: return try csv(String(decoding: data, as: UTF8.self), source: source)
        }
    }

    // MARK: CSV

    static func csv(_ text: String, source: String) throws(Problem) -> [LabelledIssue] {
        let rows = CSVReader.rows(text)
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw Problem(source: source, problem: "no header row")
        }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let repo = column("repo", "repository"), let label = column("label", "labels"), let title = column("title"),
              let body = column("body") else {
            throw Problem(source: source, problem: "a CSV corpus needs the columns repo, label, title and body; the header has \(header.joined(separator: ", "))")
        }
        let created = column("created_at")
        let number = column("number")
        var issues: [LabelledIssue] = []
        for (index, row) in rows.dropFirst().enumerated() {
            if row.count == 1, row[0].isEmpty { continue }
            guard row.count == header.count else {
                throw Problem(source: source, problem: "row \(index + 2) has \(row.count) fields, the header \(header.count)")
            }
            let labels = row[label].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            issues.append(LabelledIssue(repository: row[repo], number: number.flatMap { Int(row[$0]) }, title: row[title],
                                        body: row[body], labels: labels, createdAt: created.flatMap { date(row[$0]) }))
        }
        return issues
    }

    // MARK: JSON

    static func jsonLines(_ data: Data, source: String) throws(Problem) -> [LabelledIssue] {
        var issues: [LabelledIssue] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0d && $0 != 0x09 }) else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw Problem(source: source, problem: "line \(index + 1) is not a JSON object")
            }
            issues.append(try issue(object, source: "\(source) line \(index + 1)"))
        }
        return issues
    }

    static func jsonArray(_ data: Data, source: String) throws(Problem) -> [LabelledIssue] {
        guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            throw Problem(source: source, problem: "not a JSON array")
        }
        var issues: [LabelledIssue] = []
        for (index, element) in array.enumerated() {
            guard let object = element as? [String: Any] else { throw Problem(source: source, problem: "element \(index) is not an object") }
            // GitHub's issue list holds pull requests too; they are no issues to label.
            if object["pull_request"] != nil { continue }
            issues.append(try issue(object, source: "\(source) element \(index)"))
        }
        return issues
    }

    /// One issue in either JSON shape: `repository` as a name or GitHub's `repository_url`;
    /// labels as names or as GitHub's label objects.
    static func issue(_ object: [String: Any], source: String) throws(Problem) -> LabelledIssue {
        var repository = object["repository"] as? String ?? (object["repository"] as? [String: Any])?["full_name"] as? String
        if repository == nil, let url = object["repository_url"] as? String {
            let parts = url.split(separator: "/")
            if parts.count >= 2 { repository = parts.suffix(2).joined(separator: "/") }
        }
        guard let repository, !repository.isEmpty else {
            throw Problem(source: source, problem: "no \"repository\" (or \"repository_url\")")
        }
        guard let title = object["title"] as? String else { throw Problem(source: source, problem: "no \"title\"") }
        let labels: [String] = (object["labels"] as? [Any] ?? []).compactMap { $0 as? String ?? ($0 as? [String: Any])?["name"] as? String }
        return LabelledIssue(repository: repository, number: object["number"] as? Int, title: title,
                             body: object["body"] as? String ?? "", labels: labels,
                             createdAt: (object["created_at"] as? String).flatMap(date))
    }

    /// ISO 8601 (`2023-08-26T06:33:37Z`) or the NLBSE layout (`2023-08-26 06:33:37`, UTC).
    static func date(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        let iso = trimmed.replacingOccurrences(of: " ", with: "T")
        return (try? Date(iso + (iso.count == 19 ? "Z" : ""), strategy: .iso8601))
            ?? (try? Date(String(iso.prefix(10)) + "T00:00:00Z", strategy: .iso8601))
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes.
enum CSVReader {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = [UInt8]()
        var quoted = false
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xef, 0xbb, 0xbf]) { bytes.removeFirst(3) }
        var i = 0
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < bytes.count {
            let byte = bytes[i]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(byte); i += 1 } else { quoted = false }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") && field.isEmpty {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                endField()
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                endField()
                rows.append(row)
                row = []
            } else {
                field.append(byte)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }
}
