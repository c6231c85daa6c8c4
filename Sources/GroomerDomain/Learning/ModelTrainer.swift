import Foundation
import Synchronization

/// Trains a `LabelModel` from labelled issues, deterministically: the same examples in any
/// order give the same model.
///
/// Each exclusive group whose labels have enough examples gets a multinomial logistic
/// regression over its labels; each other label with enough examples a binary one. Out-of-fold
/// probabilities (cross-validation, or for a borrowed model one fold per repository) choose
/// each label's threshold — the lowest probability from which the label's predictions reach
/// `targetPrecision` — and give the model's figures.
public enum ModelTrainer {
    /// Version of the features and training; part of every model's version.
    public static let algorithmVersion = "tfidf-lr-2"
    /// Predictions a threshold must rest on, at the least.
    static let minimumPredictions = 5

    struct HeadSpec: Equatable {
        var labels: [String]
        var exclusive: Bool
        /// Candidate labels of the group with fewer than `minExamples` examples: while any is
        /// missing, issues of that label would be pressed into the others, so none is written.
        var scarce: [String] = []
    }

    /// A model of `repository` from its own examples, or nil when no label has `minExamples`.
    public static func train(repository: String, examples: [LabelledIssue], candidates: [String], groups: [[String]],
                             settings: LearningSettings, now: Date? = nil) -> LabelModel? {
        let prepared = Prepared(examples: examples, candidates: candidates)
        let specs = headSpecs(prepared, groups: groups, candidates: candidates, minExamples: settings.minExamples)
        guard !specs.isEmpty else { return nil }
        let folds = foldAssignment(prepared, count: max(2, settings.folds))
        return model(repository: repository, prepared: prepared, specs: specs, folds: folds, settings: settings, borrowed: false,
                     method: "cross-validation (\(max(2, settings.folds)) folds)", now: now)
    }

    /// A model for `repository` learned from other repositories' examples; its thresholds are
    /// chosen holding out one repository at a time, so they hold on a repository it never saw.
    /// Nil with fewer than two repositories or too few examples.
    public static func trainBorrowed(repository: String, pool: [LabelledIssue], candidates: [String], groups: [[String]],
                                     settings: LearningSettings, now: Date? = nil) -> LabelModel? {
        let prepared = Prepared(examples: pool, candidates: candidates)
        let repositories = Array(Set(prepared.examples.map { $0.repository.lowercased() })).sorted()
        guard repositories.count >= 2 else { return nil }
        let specs = headSpecs(prepared, groups: groups, candidates: candidates, minExamples: settings.minExamples)
        guard !specs.isEmpty else { return nil }
        let folds = prepared.examples.map { repositories.firstIndex(of: $0.repository.lowercased())! }
        return model(repository: repository, prepared: prepared, specs: specs, folds: folds, settings: settings, borrowed: true,
                     method: "held out by repository (\(repositories.count) repositories)", now: now)
    }

    /// Examples with their labels mapped to candidate names and their features computed once.
    struct Prepared {
        var examples: [LabelledIssue]
        var labels: [Set<String>]
        var features: [IssueFeatures]

        init(examples: [LabelledIssue], candidates: [String]) {
            let byName = Dictionary(candidates.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            // A stable order, whatever order the examples came in.
            let ordered = examples.sorted { a, b in
                (a.repository, a.createdAt ?? .distantPast, a.number ?? 0, a.title, a.body)
                    < (b.repository, b.createdAt ?? .distantPast, b.number ?? 0, b.title, b.body)
            }
            self.examples = ordered
            labels = ordered.map { Set($0.labels.compactMap { byName[$0.lowercased()] }) }
            features = ordered.map { IssueFeatures(title: $0.title, body: $0.body) }
        }
    }

    /// Examples a label needs to be modelled at all; below `minExamples` it is modelled but never written.
    static let modelledExamples = 5

    static func headSpecs(_ prepared: Prepared, groups: [[String]], candidates: [String], minExamples: Int) -> [HeadSpec] {
        let candidateNames = Dictionary(candidates.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var counts: [String: Int] = [:]
        for labels in prepared.labels { for label in labels { counts[label, default: 0] += 1 } }
        let known = Dictionary(counts.keys.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let floor = min(minExamples, modelledExamples)
        var specs: [HeadSpec] = []
        var grouped: Set<String> = []
        for group in groups {
            let members = group.compactMap { known[$0.lowercased()] }.filter { (counts[$0] ?? 0) >= floor }
            grouped.formUnion(group.compactMap { known[$0.lowercased()] })
            // A group is modelled when at least one of its labels has enough examples to be written.
            if members.count >= 2, members.contains(where: { (counts[$0] ?? 0) >= minExamples }) {
                let scarce = group.compactMap { candidateNames[$0.lowercased()] }.filter { (counts[$0] ?? 0) < minExamples }
                specs.append(HeadSpec(labels: members, exclusive: true, scarce: scarce))
            }
        }
        let total = prepared.labels.filter { !$0.isEmpty }.count
        for (label, count) in counts.sorted(by: { $0.key < $1.key }) where !grouped.contains(label) {
            if count >= minExamples, total - count >= minExamples { specs.append(HeadSpec(labels: [label], exclusive: false)) }
        }
        return specs
    }

    /// Fold of each example: round-robin within each example's first label, so every fold has
    /// every label.
    static func foldAssignment(_ prepared: Prepared, count: Int) -> [Int] {
        var next: [String: Int] = [:]
        return prepared.labels.map { labels in
            let key = labels.sorted().first ?? ""
            let fold = next[key, default: 0]
            next[key] = (fold + 1) % count
            return fold
        }
    }

    /// The examples a head trains on, with their class: for a group, issues with exactly one
    /// of its labels; for a binary head, every issue that carries any candidate label.
    static func rows(_ spec: HeadSpec, _ prepared: Prepared, among indices: [Int]) -> [(Int, Int)] {
        indices.compactMap { i in
            let labels = prepared.labels[i]
            if spec.exclusive {
                let present = spec.labels.enumerated().filter { labels.contains($0.element) }
                return present.count == 1 ? (i, present[0].offset) : nil
            }
            return labels.isEmpty ? nil : (i, labels.contains(spec.labels[0]) ? 1 : 0)
        }
    }

    static func fit(_ prepared: Prepared, specs: [HeadSpec], indices: [Int], c: Double) -> (Vocabulary, [LabelModel.Head]) {
        let vocabulary = Vocabulary(documents: indices.map { prepared.features[$0] })
        var vectors: [Int: SparseVector] = [:]
        for i in indices { vectors[i] = vocabulary.vector(prepared.features[i]) }
        let heads = specs.map { spec in
            let examples = rows(spec, prepared, among: indices).map { (vectors[$0.0]!, $0.1) }
            let regression = SoftmaxRegression(examples: examples, classes: spec.exclusive ? spec.labels.count : 2,
                                               dimension: vocabulary.count, c: c)
            return LabelModel.Head(labels: spec.labels, exclusive: spec.exclusive, regression: regression)
        }
        return (vocabulary, heads)
    }

    /// One held-out prediction: per head, the label chosen and its probability (binary heads:
    /// the label's probability, chosen when above one half).
    struct HeldOut {
        var choices: [(label: String, probability: Double, chosen: Bool)] = []
    }

    static func model(repository: String, prepared: Prepared, specs: [HeadSpec], folds: [Int], settings: LearningSettings,
                      borrowed: Bool, method: String, now: Date?) -> LabelModel {
        // The folds' fits and the final one are independent: they run side by side, each on a
        // core, and are put together in fold order, so the model is the same however they ran.
        let foldIDs = Set(folds).sorted()
        let predictions = Mutex<[Int: [(Int, HeldOut)]]>([:])
        let final = Mutex<(Vocabulary, [LabelModel.Head])?>(nil)
        DispatchQueue.concurrentPerform(iterations: foldIDs.count + 1) { job in
            guard job < foldIDs.count else {
                let fitted = fit(prepared, specs: specs, indices: Array(prepared.examples.indices), c: settings.regularisation)
                final.withLock { $0 = fitted }
                return
            }
            let fold = foldIDs[job]
            let training = folds.indices.filter { folds[$0] != fold }
            let testing = folds.indices.filter { folds[$0] == fold }
            guard !training.isEmpty, !testing.isEmpty else { return }
            let (vocabulary, heads) = fit(prepared, specs: specs, indices: training, c: settings.regularisation)
            var local: [(Int, HeldOut)] = []
            for i in testing {
                let x = vocabulary.vector(prepared.features[i])
                var prediction = HeldOut()
                for head in heads {
                    let p = head.regression.probabilities(x)
                    if head.exclusive {
                        let best = p.indices.max { p[$0] != p[$1] ? p[$0] < p[$1] : head.labels[$0] > head.labels[$1] }!
                        prediction.choices.append((head.labels[best], p[best], true))
                    } else {
                        prediction.choices.append((head.labels[0], p[1], p[1] > 0.5))
                    }
                }
                local.append((i, prediction))
            }
            predictions.withLock { $0[job] = local }
        }
        var heldOut = [HeldOut](repeating: HeldOut(), count: prepared.examples.count)
        for job in foldIDs.indices { for (i, prediction) in predictions.withLock({ $0[job] }) ?? [] { heldOut[i] = prediction } }
        var thresholds: [String: Double] = [:]
        var withheld: [String: String] = [:]
        for spec in specs {
            for label in spec.labels {
                var scored: [(Double, Bool)] = []
                for (i, prediction) in heldOut.enumerated() {
                    for choice in prediction.choices where choice.label == label && (choice.chosen || !spec.exclusive) {
                        scored.append((choice.probability, prepared.labels[i].contains(label)))
                    }
                }
                let examples = prepared.labels.filter { $0.contains(label) }.count
                if examples < settings.minExamples {
                    thresholds[label] = 2
                    withheld[label] = "\(examples) examples, fewer than \(settings.minExamples)"
                } else if let scarce = spec.scarce.first {
                    thresholds[label] = 2
                    let count = prepared.labels.filter { $0.contains(scarce) }.count
                    withheld[label] = "its group's \(scarce) has \(count) examples, too few to tell them apart"
                } else {
                    thresholds[label] = threshold(scored, target: settings.targetPrecision)
                }
            }
        }
        let labels = specs.flatMap(\.labels)
        var board = Scoreboard(labels: labels)
        for (i, prediction) in heldOut.enumerated() where !prepared.labels[i].intersection(labels).isEmpty {
            let forced = Set(prediction.choices.filter(\.chosen).map(\.label))
            let written = Set(prediction.choices.filter { $0.chosen && $0.probability >= (thresholds[$0.label] ?? 2) }.map(\.label))
            board.add(truth: prepared.labels[i], forced: forced, written: written)
        }
        let score = board.score
        let (vocabulary, heads) = final.withLock { $0 }!
        let figures = ModelFigures(examples: score.issues, targetPrecision: settings.targetPrecision, macroF1: score.macroF1,
                                   accuracy: score.accuracy, coverage: score.coverage,
                                   precisionAtThreshold: score.precisionAtThreshold, labels: score.labels, method: method)
        var model = LabelModel(version: "", repository: repository, borrowed: borrowed, vocabulary: vocabulary, heads: heads,
                               thresholds: thresholds, figures: figures, trainedAt: now)
        model.exemplars = exemplars(prepared, labels: labels)
        model.withheld = withheld
        model.version = version(of: model, examples: prepared)
        return model
    }

    /// The newest few examples of each label (the order of `Prepared` is by time within a repository).
    static func exemplars(_ prepared: Prepared, labels: [String], perLabel: Int = 12) -> [LabelModel.Exemplar] {
        var taken: [String: Int] = [:]
        var chosen: [LabelModel.Exemplar] = []
        for i in prepared.examples.indices.reversed() {
            let own = prepared.labels[i].intersection(labels)
            guard let label = own.sorted().first, taken[label, default: 0] < perLabel else { continue }
            taken[label, default: 0] += 1
            let example = prepared.examples[i]
            let prose = IssueText(title: example.title, body: example.body).prose
            chosen.append(LabelModel.Exemplar(title: example.title, excerpt: String(prose.prefix(300)), labels: own.sorted()))
        }
        return chosen
    }

    /// The lowest probability from which predictions reach `target` precision, smoothed
    /// ((right + ½) / (made + 1)) so that a handful of lucky predictions is not enough; above 1
    /// when none does.
    static func threshold(_ scored: [(Double, Bool)], target: Double) -> Double {
        let sorted = scored.sorted { $0.0 > $1.0 }
        var right = 0
        var best = 2.0
        for (made, item) in sorted.enumerated() {
            if item.1 { right += 1 }
            let count = made + 1
            guard count >= minimumPredictions else { continue }
            // Only cut between distinct probabilities.
            if made + 1 < sorted.count, sorted[made + 1].0 == item.0 { continue }
            if (Double(right) + 0.5) / (Double(count) + 1) >= target { best = item.0 }
        }
        return best
    }

    static func version(of model: LabelModel, examples: Prepared) -> String {
        var hasher = FNV1a()
        hasher.add(algorithmVersion)
        hasher.add(model.repository)
        for (example, labels) in zip(examples.examples, examples.labels) {
            hasher.add(example.repository); hasher.add(example.title); hasher.add(example.body)
            hasher.add(labels.sorted().joined(separator: ","))
        }
        for head in model.heads { hasher.add(head.labels.joined(separator: ",")) }
        for (label, threshold) in model.thresholds.sorted(by: { $0.key < $1.key }) { hasher.add("\(label)=\(threshold)") }
        return "\(algorithmVersion)-\(String(hasher.value, radix: 16))"
    }
}

/// A 64-bit FNV-1a hash: stable across runs and platforms, unlike `Hasher`.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        value ^= 0xff
        value = value &* 0x100_0000_01b3
    }
}
