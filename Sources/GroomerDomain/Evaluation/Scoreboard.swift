import Foundation

/// Counts what a triage got right over labelled issues: per label precision, recall and F1 of
/// the forced choice (the best label of each exclusive group), and the share and precision of
/// what the policy would really write.
public struct Scoreboard: Sendable {
    public let labels: [String]
    private var truePositives: [String: Int] = [:]
    private var predicted: [String: Int] = [:]
    private var support: [String: Int] = [:]
    private var exact = 0
    private var covered = 0
    private var written = 0
    private var writtenRight = 0
    public private(set) var issues = 0
    /// Truth (row) against forced choice (column); `(none)` where there was no label or no choice.
    public private(set) var confusion: [String: [String: Int]] = [:]

    public static let none = "(none)"

    public init(labels: [String]) {
        self.labels = labels
    }

    /// - Parameters:
    ///   - truth: the labels a human gave (only `labels` are scored).
    ///   - forced: the triage's choice, at any confidence.
    ///   - written: what the policy would write at its thresholds.
    public mutating func add(truth: Set<String>, forced: Set<String>, written writtenLabels: Set<String>) {
        let scored = Set(labels)
        let truth = truth.intersection(scored)
        let forced = forced.intersection(scored)
        issues += 1
        for label in truth { support[label, default: 0] += 1 }
        for label in forced {
            predicted[label, default: 0] += 1
            if truth.contains(label) { truePositives[label, default: 0] += 1 }
        }
        if truth == forced { exact += 1 }
        let writes = writtenLabels.intersection(scored)
        if !writes.isEmpty { covered += 1 }
        written += writes.count
        writtenRight += writes.intersection(truth).count
        let row = truth.sorted().first ?? Self.none
        let column = forced.sorted().first ?? Self.none
        confusion[row, default: [:]][column, default: 0] += 1
    }

    public var score: EvaluationScore {
        var byLabel: [String: LabelScore] = [:]
        for label in labels {
            byLabel[label] = LabelScore(truePositives: truePositives[label] ?? 0, predicted: predicted[label] ?? 0, support: support[label] ?? 0)
        }
        let present = byLabel.values.filter { $0.support > 0 }
        return EvaluationScore(
            issues: issues,
            macroF1: present.isEmpty ? 0 : present.map(\.f1).reduce(0, +) / Double(present.count),
            accuracy: issues == 0 ? 0 : Double(exact) / Double(issues),
            coverage: issues == 0 ? 0 : Double(covered) / Double(issues),
            precisionAtThreshold: written == 0 ? 0 : Double(writtenRight) / Double(written),
            labels: byLabel, confusion: confusion)
    }
}

/// The figures of one scoreboard.
public struct EvaluationScore: Sendable, Equatable {
    public var issues: Int
    /// Mean F1 of the labels that occur.
    public var macroF1: Double
    /// Share of issues whose forced choice is exactly their labels.
    public var accuracy: Double
    /// Share of issues that would get at least one label written.
    public var coverage: Double
    /// Of the labels that would be written, the share a human had given.
    public var precisionAtThreshold: Double
    public var labels: [String: LabelScore]
    public var confusion: [String: [String: Int]]
}
