import Foundation

/// The words of an issue as the learned triage counts them, in four blocks that are weighted
/// apart: the title, the prose, the code and the signals of `IssueText`.
public enum FeatureBlock: UInt8, Sendable, Codable, CaseIterable {
    case title = 0, prose, code, signal

    var prefix: UInt8 {
        switch self {
        case .title: UInt8(ascii: "t")
        case .prose: UInt8(ascii: "b")
        case .code: UInt8(ascii: "c")
        case .signal: UInt8(ascii: "s")
        }
    }
}

/// Term counts of one issue: word uni- and bigrams of the title and prose, code words, and
/// signal terms (template headings, code, stack trace, links, images, checkboxes).
///
/// A term is kept as a 64-bit FNV-1a hash of its block and text, with the block in the top
/// two bits: no string is built per word, and the model stores numbers, not words. Two terms
/// of a vocabulary of 60,000 share a hash with odds of about one in ten million.
public struct IssueFeatures: Sendable {
    public var counts: [UInt64: Double] = [:]

    public init(title: String, body: String) {
        let text = IssueText(title: title, body: body)
        counts.reserveCapacity(256)
        addWords(of: text.title, block: .title, bigrams: true)
        addWords(of: text.prose, block: .prose, bigrams: true)
        addWords(of: text.code, block: .code, bigrams: false, limit: 400)
        var signals: [String] = text.headings.map { "heading " + $0 }
        if text.hasCodeBlock { signals.append("code") }
        if text.hasStackTrace { signals.append("trace") }
        if text.hasLink { signals.append("link") }
        if text.hasImage { signals.append("image") }
        if text.checkboxes > 0 { signals.append("checkboxes") }
        if text.title.hasSuffix("?") { signals.append("title question mark") }
        if text.prose.utf8.contains(UInt8(ascii: "?")) { signals.append("question mark") }
        let length = text.prose.utf8.count
        signals.append(length < 200 ? "short" : length < 1_500 ? "medium" : "long")
        for signal in signals { counts[Self.term(signal, block: .signal), default: 0] += 1 }
    }

    /// The key of a term: its block in the top two bits, its hash in the rest.
    public static func term(_ text: String, block: FeatureBlock) -> UInt64 {
        var hash = Hash(block)
        for byte in text.utf8 { hash.add(byte) }
        return hash.key(block)
    }

    /// FNV-1a over the block's prefix and the term's bytes.
    struct Hash {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        init(_ block: FeatureBlock) { add(block.prefix) }

        mutating func add(_ byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }

        func key(_ block: FeatureBlock) -> UInt64 { (value >> 2) | (UInt64(block.rawValue) << 62) }
    }

    /// Counts the lowercased runs of letters and digits of `text` (an apostrophe inside a word
    /// is dropped, so "doesn't" is "doesnt"; digits-only runs become "0"; runs longer than 30
    /// are left out) and, with `bigrams`, each pair of neighbours.
    private mutating func addWords(of text: String, block: FeatureBlock, bigrams: Bool, limit: Int = .max) {
        var word: [UInt8] = []
        word.reserveCapacity(64)
        var scalars = 0
        var digitsOnly = true
        var previous: Hash?
        var added = 0
        func flush() {
            defer { word.removeAll(keepingCapacity: true); scalars = 0; digitsOnly = true }
            guard !word.isEmpty, scalars <= 30, added < limit else { return }
            var unigram = Hash(block)
            if digitsOnly { unigram.add(UInt8(ascii: "0")) } else { for byte in word { unigram.add(byte) } }
            counts[unigram.key(block), default: 0] += 1
            if bigrams, var bigram = previous {
                bigram.add(UInt8(ascii: " "))
                if digitsOnly { bigram.add(UInt8(ascii: "0")) } else { for byte in word { bigram.add(byte) } }
                counts[bigram.key(block), default: 0] += 1
            }
            previous = unigram
            added += 1
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x61...0x7A: word.append(UInt8(value)); digitsOnly = false; scalars += 1
                case 0x41...0x5A: word.append(UInt8(value + 0x20)); digitsOnly = false; scalars += 1
                case 0x30...0x39: word.append(UInt8(value)); scalars += 1
                case 0x27: continue
                default: flush()
                }
            } else if value == 0x2019 {
                continue
            } else if scalar.properties.isAlphabetic {
                word.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
                digitsOnly = false
                scalars += 1
            } else {
                flush()
            }
        }
        flush()
    }
}
