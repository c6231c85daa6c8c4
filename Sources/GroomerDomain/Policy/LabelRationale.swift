import Foundation

/// Why a label is proposed, as GitHub shows it beside a suggested or written label: who
/// proposed it, how sure, and the triage's reason, at most 280 characters (GitHub's limit).
///
/// The issue author's words are never echoed back onto their issue: a quoted passage of the
/// reason is elided, and so is any run of `echoWords` or more words that the issue's title or
/// body also has in that order (an LLM's reason often paraphrases by copying). Built once per
/// groom from the issue as it was last read; `text` then words each label's rationale.
public struct LabelRationale: Sendable {
    public static let maximumLength = 280
    /// The shortest run of the issue's own words that counts as an echo.
    public static let echoWords = 4

    /// Every run of `echoWords` words of the issue's title and body, read once per groom.
    private let shingles: Set<[String]>

    public init(issueTitle: String, issueBody: String) {
        let words = Self.words(issueTitle + "\n" + issueBody).map(\.word)
        var shingles = Set<[String]>()
        if words.count >= Self.echoWords {
            for start in 0...(words.count - Self.echoWords) { shingles.insert(Array(words[start..<start + Self.echoWords])) }
        }
        self.shingles = shingles
    }

    public func text(_ proposal: LabelProposal, source: TriageSource) -> String {
        let reason = withoutEcho(Self.withoutQuotes(proposal.reason))
        let who = source == .llm ? "LLM" : source.rawValue
        return String("groomer (\(who), \(Int((proposal.confidence * 100).rounded()))%): \(reason)".prefix(Self.maximumLength))
    }

    /// The reason with each quoted passage ("…", “…”) replaced by an ellipsis.
    static func withoutQuotes(_ reason: String) -> String {
        var text = ""
        var quoted = false
        for character in reason {
            if character == "\"" || character == "“" || character == "”" {
                if !quoted { text += "…" }
                quoted.toggle()
            } else if !quoted {
                text.append(character)
            }
        }
        return text
    }

    /// The reason with every run of `echoWords` or more words found in that order in the issue
    /// replaced by one ellipsis. Words compare case-insensitively, ignoring punctuation.
    func withoutEcho(_ reason: String) -> String {
        let (echoWords, spoken) = (Self.echoWords, Self.words(reason))
        guard !shingles.isEmpty, spoken.count >= echoWords else { return reason }
        // Mark every word inside a shingle the issue also has.
        var echoed = [Bool](repeating: false, count: spoken.count)
        for start in 0...(spoken.count - echoWords) where shingles.contains(spoken[start..<start + echoWords].map(\.word)) {
            for index in start..<start + echoWords { echoed[index] = true }
        }
        guard echoed.contains(true) else { return reason }
        // Rebuild: the text before each echoed run, an ellipsis for the run, the rest after the last.
        var text = ""
        var cursor = reason.startIndex
        var index = 0
        while index < spoken.count {
            guard echoed[index] else { index += 1; continue }
            var end = index
            while end + 1 < spoken.count, echoed[end + 1] { end += 1 }
            text += reason[cursor..<spoken[index].range.lowerBound] + "…"
            cursor = spoken[end].range.upperBound
            index = end + 1
        }
        return text + reason[cursor...]
    }

    /// The words of `text`, lowercased, with where each stands in it.
    static func words(_ text: String) -> [(word: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let isWordCharacter = text[index].isLetter || text[index].isNumber
            if isWordCharacter, start == nil { start = index }
            if !isWordCharacter, let begun = start {
                found.append((text[begun..<index].lowercased(), begun..<index))
                start = nil
            }
            index = text.index(after: index)
        }
        if let begun = start { found.append((text[begun...].lowercased(), begun..<text.endIndex)) }
        return found
    }
}
