import Foundation

/// The words of an issue as the learned triage counts them, in four blocks that are weighted
/// apart: the title, the prose, the code and the signals of `IssueText`.
public enum FeatureBlock: UInt8, Sendable, Codable, CaseIterable {
    case title = 0, prose, code, signal

    var prefix: String {
        switch self {
        case .title: "t "
        case .prose: "b "
        case .code: "c "
        case .signal: "s "
        }
    }
}

/// Term counts of one issue: word uni- and bigrams of the title and prose, code words, and
/// signal terms (template headings, code, stack trace, links, images, checkboxes).
public struct IssueFeatures: Sendable {
    public var counts: [String: Double] = [:]

    public init(title: String, body: String) {
        let text = IssueText(title: title, body: body)
        add(Self.words(text.title), block: .title, bigrams: true)
        add(Self.words(text.prose), block: .prose, bigrams: true)
        add(Self.words(text.code).prefix(400), block: .code, bigrams: false)
        var signals: [String] = text.headings.map { "heading " + $0 }
        if text.hasCodeBlock { signals.append("code") }
        if text.hasStackTrace { signals.append("trace") }
        if text.hasLink { signals.append("link") }
        if text.hasImage { signals.append("image") }
        if text.checkboxes > 0 { signals.append("checkboxes") }
        if text.title.hasSuffix("?") { signals.append("title question mark") }
        if text.prose.contains("?") { signals.append("question mark") }
        let length = text.prose.utf8.count
        signals.append(length < 200 ? "short" : length < 1_500 ? "medium" : "long")
        for signal in signals { counts[FeatureBlock.signal.prefix + signal, default: 0] += 1 }
    }

    private mutating func add<Words: Collection<String>>(_ words: Words, block: FeatureBlock, bigrams: Bool) {
        let prefix = block.prefix
        var previous: String?
        for word in words {
            counts[prefix + word, default: 0] += 1
            if bigrams, let previous { counts[prefix + previous + " " + word, default: 0] += 1 }
            previous = word
        }
    }

    /// Lowercased runs of letters and digits (an apostrophe inside a word is dropped, so
    /// "doesn't" is "doesnt"); digits-only runs become "0"; runs longer than 30 are left out.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var digitsOnly = true
        func flush() {
            if !current.isEmpty, current.count <= 30 { words.append(digitsOnly ? "0" : String(current)) }
            current = String.UnicodeScalarView()
            digitsOnly = true
        }
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if !("0"..."9").contains(scalar) { digitsOnly = false }
                current.append(scalar)
            } else if scalar == "'" || scalar == "’" {
                continue
            } else {
                flush()
            }
        }
        flush()
        return words
    }
}
