import Foundation

/// An issue's text as the triage reads it: what the author wrote, without what the issue
/// template added, and the template's structure and the body's code as signals of their own.
///
/// Dropped from the prose: HTML comments (template instructions), checkbox lines
/// (`- [x] I searched existing issues`), headings (`### Steps to reproduce`, or a line that is
/// only `**Expected behaviour**`), GitHub forms' `_No response_`, and fenced or indented code.
/// Kept as signals: the headings (which template was used), code blocks, stack traces, links,
/// images and checkboxes.
public struct IssueText: Sendable, Equatable {
    public var title: String
    /// The author's own words.
    public var prose: String
    /// Text inside code blocks and inline code.
    public var code: String
    /// The headings of the body, lowercased, in order.
    public var headings: [String]
    public var hasCodeBlock = false
    /// A line like `at foo (bar.js:1:2)`, `File "x.py", line 3`, `Traceback (most recent call last)` or `#3 0x…`.
    public var hasStackTrace = false
    public var hasLink = false
    public var hasImage = false
    public var checkboxes = 0

    public init(title: String, body: String) {
        self.title = title
        prose = ""
        code = ""
        headings = []
        parse(Self.removingComments(body))
    }

    private static func removingComments(_ body: String) -> String {
        guard Self.contains(Substring(body), "<!--") else { return body }
        var result = ""
        var rest = Substring(body)
        while let open = rest.range(of: "<!--") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "-->") else { return result }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    private mutating func parse(_ body: String) {
        var proseLines: [Substring] = []
        var codeLines: [Substring] = []
        var fence: Substring?
        for line in Self.lines(body) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil } else { codeLines.append(line); noteTrace(line) }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix(3)
                hasCodeBlock = true
                continue
            }
            if line.hasPrefix("    ") || line.hasPrefix("\t") {
                codeLines.append(line)
                noteTrace(line)
                continue
            }
            if Self.isCheckbox(trimmed) {
                checkboxes += 1
                continue
            }
            if let heading = Self.heading(trimmed) {
                headings.append(heading)
                continue
            }
            if trimmed == "_No response_" || trimmed == "N/A" { continue }
            noteTrace(line)
            if !hasImage, trimmed.utf8.contains(UInt8(ascii: "!")) || trimmed.utf8.contains(UInt8(ascii: "<")) {
                if Self.contains(trimmed, "![") || Self.contains(trimmed, "<img") { hasImage = true }
            }
            if !hasLink, Self.contains(trimmed, "://"), Self.contains(trimmed, "http://") || Self.contains(trimmed, "https://") { hasLink = true }
            proseLines.append(line)
        }
        prose = proseLines.joined(separator: "\n")
        code = codeLines.joined(separator: "\n")
        if !code.isEmpty { hasCodeBlock = true }
    }

    /// The lines of `text`, split at `\n`, `\r\n` or `\r`, found by bytes (splitting by
    /// `Character` would cluster graphemes across the whole body).
    static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte == 10 || byte == 13 else {
                index = bytes.index(after: index)
                continue
            }
            lines.append(text[start..<index])
            var next = bytes.index(after: index)
            if byte == 13, next != bytes.endIndex, bytes[next] == 10 { next = bytes.index(after: next) }
            start = next
            index = next
        }
        lines.append(text[start..<bytes.endIndex])
        return lines
    }

    /// Whether `needle` occurs in `text`, compared byte by byte.
    static func contains(_ text: Substring, _ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first else { return true }
        let bytes = Array(text.utf8)
        guard bytes.count >= pattern.count else { return false }
        var i = 0
        while i <= bytes.count - pattern.count {
            if bytes[i] == first {
                var j = 1
                while j < pattern.count, bytes[i + j] == pattern[j] { j += 1 }
                if j == pattern.count { return true }
            }
            i += 1
        }
        return false
    }

    private static func isCheckbox(_ line: Substring) -> Bool {
        guard let first = line.first, first == "-" || first == "*" || first == "+" else { return false }
        let rest = line.dropFirst().drop { $0 == " " }
        return rest.hasPrefix("[ ]") || rest.hasPrefix("[x]") || rest.hasPrefix("[X]")
    }

    /// `### Steps`, or a line that is only bold text: the heading's words, else nil.
    private static func heading(_ line: Substring) -> String? {
        if line.hasPrefix("#") {
            let text = line.drop { $0 == "#" }
            guard text.first == " " else { return nil }
            return normalisedHeading(text)
        }
        if line.count > 4, line.hasPrefix("**"), line.hasSuffix("**") || line.hasSuffix("**:"),
           !line.dropFirst(2).dropLast(2).contains("**") {
            return normalisedHeading(line)
        }
        return nil
    }

    private static func normalisedHeading(_ text: Substring) -> String? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }
        return words.isEmpty ? nil : words.prefix(6).joined(separator: "_")
    }

    private mutating func noteTrace(_ line: Substring) {
        guard !hasStackTrace else { return }
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix("at "), trimmed.utf8.contains(UInt8(ascii: "(")) || trimmed.utf8.contains(UInt8(ascii: ":")) { hasStackTrace = true }
        else if trimmed.hasPrefix("File \""), Self.contains(trimmed, "line ") { hasStackTrace = true }
        else if trimmed.hasPrefix("Traceback (most recent call last)") { hasStackTrace = true }
        else if trimmed.hasPrefix("#"), Self.contains(trimmed, " 0x") { hasStackTrace = true }
        else if trimmed.hasPrefix("Exception in thread") || trimmed.hasPrefix("panic:") { hasStackTrace = true }
    }
}
