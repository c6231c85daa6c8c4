import Foundation

/// A sparse feature vector: ascending indices and their values.
public struct SparseVector: Sendable, Equatable {
    public var indices: [Int32]
    public var values: [Double]

    public init(indices: [Int32] = [], values: [Double] = []) {
        self.indices = indices
        self.values = values
    }
}

/// The terms a model knows, with their inverse document frequencies, and the TF-IDF weighting
/// that turns `IssueFeatures` into vectors: sublinear term frequency, smoothed IDF, each block
/// scaled to unit length and then by its weight.
public struct Vocabulary: Sendable, Codable, Equatable {
    /// The terms' keys (see `IssueFeatures`), ascending.
    public private(set) var terms: [UInt64]
    public private(set) var idf: [Float]
    private var blocks: [UInt8]
    /// How much each block (title, prose, code, signals) weighs in a vector.
    public var blockWeights: [Double]
    private var index: [UInt64: Int32]

    public var count: Int { terms.count }

    /// Keeps terms seen in at least `minimumDocuments` of `documents`, at most `maximumTerms`
    /// of them (the most frequent; ties by term, so the result does not depend on order).
    public init(documents: [IssueFeatures], minimumDocuments: Int = 2, maximumTerms: Int = 60_000,
                blockWeights: [Double] = [0.8, 1.0, 0.35, 0.5]) {
        var frequency: [UInt64: Int] = [:]
        for document in documents { for term in document.counts.keys { frequency[term, default: 0] += 1 } }
        var kept = frequency.filter { $0.value >= minimumDocuments }.map { ($0.key, $0.value) }
        kept.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        if kept.count > maximumTerms { kept.removeLast(kept.count - maximumTerms) }
        kept.sort { $0.0 < $1.0 }
        let total = Double(documents.count)
        terms = kept.map(\.0)
        idf = kept.map { Float(log((1 + total) / (1 + Double($0.1))) + 1) }
        blocks = kept.map { Self.block(of: $0.0).rawValue }
        self.blockWeights = blockWeights
        index = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($0.element, Int32($0.offset)) })
    }

    private static func block(of term: UInt64) -> FeatureBlock {
        FeatureBlock(rawValue: UInt8(term >> 62)) ?? .signal
    }

    public func vector(_ features: IssueFeatures) -> SparseVector {
        var entries: [(Int32, Double)] = []
        entries.reserveCapacity(features.counts.count)
        var norms = [Double](repeating: 0, count: FeatureBlock.allCases.count)
        for (term, count) in features.counts {
            guard let position = index[term] else { continue }
            let value = (1 + log(count)) * Double(idf[Int(position)])
            entries.append((position, value))
            norms[Int(blocks[Int(position)])] += value * value
        }
        entries.sort { $0.0 < $1.0 }
        let scale = zip(norms, blockWeights).map { $0.0 > 0 ? $0.1 / $0.0.squareRoot() : 0 }
        return SparseVector(indices: entries.map(\.0), values: entries.map { $0.1 * scale[Int(blocks[Int($0.0)])] })
    }

    private enum CodingKeys: String, CodingKey { case terms, idf, blockWeights = "block_weights" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        terms = try container.decode([UInt64].self, forKey: .terms)
        idf = try container.decode([Float].self, forKey: .idf)
        blockWeights = try container.decode([Double].self, forKey: .blockWeights)
        guard idf.count == terms.count, blockWeights.count == FeatureBlock.allCases.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: "terms, idf and block weights disagree"))
        }
        blocks = terms.map { Self.block(of: $0).rawValue }
        index = Dictionary(terms.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { first, _ in first })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(terms, forKey: .terms)
        try container.encode(idf, forKey: .idf)
        try container.encode(blockWeights, forKey: .blockWeights)
    }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool {
        lhs.terms == rhs.terms && lhs.idf == rhs.idf && lhs.blockWeights == rhs.blockWeights
    }
}
