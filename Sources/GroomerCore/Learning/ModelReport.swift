import Foundation

/// A stored model as `GET /api/repos/{owner}/{repo}/model` and `groomer learn --json` show it:
/// what it learned from, what cross-validation measured, and from which probability each
/// label is written. snake_case keys, ISO 8601 UTC times.
public struct ModelReport: Encodable, Sendable {
    public struct Label: Encodable, Sendable {
        var precision: Double
        var recall: Double
        var f1: Double
        var support: Int
        /// The probability from which the label is written; nil when it never is.
        var threshold: Double?
        var withheld: String?
    }

    var repository: String
    var status: String
    var version: String?
    var trainedAt: String
    var examples: Int
    var borrowed: Bool?
    var method: String?
    var targetPrecision: Double?
    var macroF1: Double?
    var accuracy: Double?
    var coverage: Double?
    var precisionAtThreshold: Double?
    var labels: [String: Label]?
    var note: String?

    public init(_ stored: StoredModel) {
        repository = stored.repository
        status = stored.status.rawValue
        trainedAt = stored.trainedAt.iso8601
        examples = stored.examples
        note = stored.note
        guard let model = stored.model else { return }
        let figures = model.figures
        version = model.version
        borrowed = model.borrowed
        method = figures.method
        targetPrecision = figures.targetPrecision
        macroF1 = figures.macroF1
        accuracy = figures.accuracy
        coverage = figures.coverage
        precisionAtThreshold = figures.precisionAtThreshold
        labels = Dictionary(uniqueKeysWithValues: figures.labels.map { name, score in
            let threshold = model.thresholds[name].flatMap { $0 <= 1 ? $0 : nil }
            return (name, Label(precision: score.precision, recall: score.recall, f1: score.f1, support: score.support,
                                threshold: threshold, withheld: model.withheld[name]))
        })
    }

    /// The figures as lines for a terminal.
    public var rendered: String {
        var lines = ["\(repository): \(status == "trained" ? "model \(version ?? "-")" : "no model"), \(examples) examples, trained \(trainedAt)"]
        if let note { lines.append("  \(note)") }
        guard let macroF1, let coverage, let precisionAtThreshold, let labels else { return lines.joined(separator: "\n") }
        lines.append("  \(method ?? "")\(borrowed == true ? ", borrowed from the installation's other repositories" : "")")
        lines.append("  macro F1 \(Self.format(macroF1)), accuracy \(Self.format(accuracy ?? 0))")
        lines.append("  at the thresholds: labels \(Self.percent(coverage)) of issues, \(Self.percent(precisionAtThreshold)) of them right"
                     + " (target \(Self.percent(targetPrecision ?? 0)))")
        lines.append("  label                 precision  recall  f1     support  written from")
        for (name, label) in labels.sorted(by: { $0.key < $1.key }) {
            let from = label.threshold.map(Self.percent) ?? ("never" + (label.withheld.map { ": \($0)" } ?? ""))
            lines.append("  " + name.padding(toLength: 21, withPad: " ", startingAt: 0)
                         + " \(Self.format(label.precision))      \(Self.format(label.recall))   \(Self.format(label.f1))  "
                         + String(label.support).padding(toLength: 8, withPad: " ", startingAt: 0) + " \(from)")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }

    enum CodingKeys: String, CodingKey {
        case repository, status, version, examples, borrowed, method, accuracy, coverage, labels, note
        case trainedAt = "trained_at"
        case targetPrecision = "target_precision"
        case macroF1 = "macro_f1"
        case precisionAtThreshold = "precision_at_threshold"
    }
}
