import Foundation

/// What the learned triage knows about one repository: the vocabulary, one multinomial head
/// per exclusive group and one binary head per other label, each label's threshold, and the
/// figures its cross-validation measured.
public struct LabelModel: Sendable, Codable, Equatable {
    /// One classifier: an exclusive group's labels (one class each), or one label against the rest.
    public struct Head: Sendable, Codable, Equatable {
        public var labels: [String]
        /// True for an exclusive group: the classes are the labels. False: classes are "not" and the label.
        public var exclusive: Bool
        public var regression: SoftmaxRegression
    }

    /// A version that changes with anything the model decides by: part of the groom's fingerprint.
    public var version: String
    /// The repository it decides for; its examples may have come from others (`borrowed`).
    public var repository: String
    /// True when the repository had too few examples and the model learned from its installation's others.
    public var borrowed: Bool
    public var vocabulary: Vocabulary
    public var heads: [Head]
    /// Per label, the probability it must reach to be written; above 1 when the label never
    /// reached the target precision on held-out data.
    public var thresholds: [String: Double]
    public var figures: ModelFigures
    public var trainedAt: Date?
    /// Labels never written for want of examples, with why.
    public var withheld: [String: String] = [:]
    /// A few recent labelled issues per label, for the cascade's LLM prompt.
    public var exemplars: [Exemplar] = []

    /// A labelled issue kept short: its title, the start of its prose and its labels.
    public struct Exemplar: Sendable, Codable, Equatable {
        public var title: String
        public var excerpt: String
        public var labels: [String]
    }

    /// The `count` exemplars most like the issue (cosine of their vectors), most alike first.
    public func similarExemplars(title: String, body: String, count: Int) -> [Exemplar] {
        let x = vocabulary.vector(IssueFeatures(title: title, body: body))
        let scored = exemplars.map { exemplar -> (Exemplar, Double) in
            let y = vocabulary.vector(IssueFeatures(title: exemplar.title, body: exemplar.excerpt))
            return (exemplar, Self.cosine(x, y))
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.title < $1.0.title }.prefix(count).map(\.0)
    }

    static func cosine(_ a: SparseVector, _ b: SparseVector) -> Double {
        var i = 0, j = 0, dot = 0.0
        while i < a.indices.count, j < b.indices.count {
            if a.indices[i] == b.indices[j] { dot += a.values[i] * b.values[j]; i += 1; j += 1 }
            else if a.indices[i] < b.indices[j] { i += 1 } else { j += 1 }
        }
        let norms = (a.values.map { $0 * $0 }.reduce(0, +) * b.values.map { $0 * $0 }.reduce(0, +)).squareRoot()
        return norms > 0 ? dot / norms : 0
    }

    /// True when every proposal of an exclusive group would be written: it clears its threshold
    /// and `minConfidence`. Then the model can decide alone.
    public func isConfident(_ proposals: [LabelProposal], minConfidence: Double = 0) -> Bool {
        let exclusive = Set(heads.filter(\.exclusive).flatMap(\.labels).map { $0.lowercased() })
        let groupProposals = proposals.filter { exclusive.contains($0.name.lowercased()) }
        guard !groupProposals.isEmpty else { return false }
        return groupProposals.allSatisfy { $0.confidence >= max($0.threshold ?? 0, minConfidence) }
    }

    /// The model's proposals: the likeliest label of each exclusive group, and every other
    /// label whose probability is above one half; each with its probability and threshold.
    public func propose(title: String, body: String) -> [LabelProposal] {
        let x = vocabulary.vector(IssueFeatures(title: title, body: body))
        var proposals: [LabelProposal] = []
        for head in heads {
            let p = head.regression.probabilities(x)
            if head.exclusive {
                let ranked = zip(head.labels, p).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                guard let best = ranked.first else { continue }
                let others = ranked.dropFirst().map { "\($0.0) \(Self.percent($0.1))" }.joined(separator: ", ")
                proposals.append(proposal(best.0, probability: best.1, detail: others.isEmpty ? "" : "; \(others)"))
            } else if let label = head.labels.first, p[1] > 0.5 {
                proposals.append(proposal(label, probability: p[1], detail: ""))
            }
        }
        return proposals
    }

    private func proposal(_ label: String, probability: Double, detail: String) -> LabelProposal {
        let threshold = thresholds[label] ?? 2
        let bar = threshold > 1
            ? "never written: " + (withheld[label] ?? "below \(Self.percent(figures.targetPrecision)) precision in cross-validation")
            : "written from \(Self.percent(threshold))"
        let source = borrowed ? "model learned from other repositories" : "model learned from this repository"
        return LabelProposal(name: label, confidence: probability,
                             reason: "\(source): \(Self.percent(probability))\(detail) (\(bar))",
                             threshold: threshold > 1 ? .infinity : threshold)
    }

    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
}

/// What cross-validation measured for a model, on data it did not train on.
public struct ModelFigures: Sendable, Codable, Equatable {
    public var examples: Int
    public var targetPrecision: Double
    /// Macro F1 of the forced choice of each exclusive group (and the binary labels at one half).
    public var macroF1: Double
    public var accuracy: Double
    /// The share of examples the model would label at its thresholds, and how many of those were right.
    public var coverage: Double
    public var precisionAtThreshold: Double
    public var labels: [String: LabelScore]
    /// `cross-validation (5 folds)`, or `held out by repository` for a borrowed model.
    public var method: String
}

/// Precision, recall and F1 of one label, with its support (how many examples carry it).
public struct LabelScore: Sendable, Codable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    public init(truePositives: Int, predicted: Int, support: Int) {
        precision = predicted == 0 ? 0 : Double(truePositives) / Double(predicted)
        recall = support == 0 ? 0 : Double(truePositives) / Double(support)
        f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        self.support = support
    }
}
