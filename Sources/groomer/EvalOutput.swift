import Foundation
import GroomerCore

/// What `groomer eval` prints: tables for a person, or one JSON object.
struct EvalOutput {
    let mode: TriageMode
    let evaluation: Evaluation
    let folds: Int?
    let report: EvaluationReport
    let models: [String: LabelModel]
    let trainingSeconds: Double
    let seconds: Double

    /// Labels too scarce in training for a learned model to write, where that is what is scored:
    /// a learned triage on a split (folds stratify by label, and the rules learn nothing).
    var scarce: [Evaluation.ScarceLabel] {
        folds == nil && (mode == .learned || mode == .cascade) ? evaluation.scarceInTraining : []
    }

    var text: String {
        var lines: [String] = []
        if let folds {
            lines.append("triage: \(mode.rawValue); \(report.overall.issues) issues, \(evaluation.split): each issue tested once by a model trained without it (\(folds) trainings)")
        } else {
            lines.append("triage: \(mode.rawValue); train \(evaluation.train.count) issues, test \(evaluation.test.count) (\(evaluation.split))")
        }
        if report.inferredGroups { lines.append("every issue carries one label: the labels are scored as one exclusive group (a forced choice)") }
        if !scarce.isEmpty {
            lines.append("the training issues hold fewer than \(evaluation.learning.minExamples) of a label the test issues carry, so a learned model never writes it "
                + "and the scores measure how the corpus drifts, not the model (--folds K cross-validates instead):")
            for item in scarce { lines.append("  \(item.repository): \(item.label) \(item.train) to train, \(item.test) to test") }
        }
        if !models.isEmpty {
            lines.append(String(format: "trained %d models in %.2f s; each model's own cross-validation on its training issues:", models.count, trainingSeconds))
            for (repository, model) in models.sorted(by: { $0.key < $1.key }) {
                let thresholds = model.thresholds.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value > 1 ? "never" : String(format: "%.2f", $0.value))" }.joined(separator: ", ")
                lines.append("  \(repository): \(model.borrowed ? "borrowed from the other repositories, " : "")\(model.figures.examples) examples, "
                    + String(format: "cross-validated macro F1 %.3f, coverage %.2f at precision %.2f", model.figures.macroF1,
                             model.figures.coverage, model.figures.precisionAtThreshold) + "; thresholds: \(thresholds)")
            }
        }
        for (repository, score) in report.repositories.sorted(by: { $0.key < $1.key }) {
            lines.append("")
            lines.append("\(repository) (\(score.issues) issues)")
            lines += table(score)
        }
        lines.append("")
        lines.append("overall (\(report.overall.issues) issues; macro F1 = mean of the repositories')")
        lines += table(report.overall)
        lines.append("")
        lines.append("confusion (rows: the human's label, columns: the forced choice)")
        lines += confusion(report.overall)
        if mode == .llm || mode == .cascade {
            lines.append(String(format: "LLM calls: %d (%.2f per issue)", report.llmCalls, Double(report.llmCalls) / Double(max(1, report.overall.issues))))
        }
        lines.append(String(format: "%.2f s", seconds))
        return lines.joined(separator: "\n")
    }

    private func table(_ score: EvaluationScore) -> [String] {
        let width = max(12, (score.labels.keys.map(\.count).max() ?? 0) + 2)
        var lines = ["  " + "label".padding(toLength: width, withPad: " ", startingAt: 0) + "precision  recall     f1  support"]
        for (label, value) in score.labels.sorted(by: { $0.key < $1.key }) {
            lines.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "%9.3f %7.3f %6.3f %8d", value.precision, value.recall, value.f1, value.support))
        }
        lines.append(String(format: "  macro F1 %.3f   accuracy %.3f   coverage %.3f   precision at threshold %.3f",
                            score.macroF1, score.accuracy, score.coverage, score.precisionAtThreshold))
        return lines
    }

    private func confusion(_ score: EvaluationScore) -> [String] {
        let columns = (Array(score.labels.keys).sorted() + [Scoreboard.none])
        let width = max(10, (columns.map(\.count).max() ?? 0) + 2)
        var lines = ["  " + "".padding(toLength: width, withPad: " ", startingAt: 0)
            + columns.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()]
        for row in columns where score.confusion[row] != nil {
            lines.append("  " + row.padding(toLength: width, withPad: " ", startingAt: 0) + columns.map {
                String(score.confusion[row]?[$0] ?? 0).padding(toLength: width, withPad: " ", startingAt: 0)
            }.joined())
        }
        return lines
    }

    var json: String {
        func object(_ score: EvaluationScore) -> [String: Any] {
            [
                "issues": score.issues,
                "macro_f1": score.macroF1, "accuracy": score.accuracy, "coverage": score.coverage,
                "precision_at_threshold": score.precisionAtThreshold,
                "labels": score.labels.mapValues { ["precision": $0.precision, "recall": $0.recall, "f1": $0.f1, "support": $0.support] },
                "confusion": score.confusion,
            ]
        }
        var root: [String: Any] = [
            "triage": mode.rawValue,
            "split": evaluation.split,
            "train": ["issues": folds == nil ? evaluation.train.count : report.overall.issues, "seconds": trainingSeconds],
            "test": ["issues": report.overall.issues],
            "folds": folds as Any? ?? NSNull(),
            "overall": object(report.overall),
            "repositories": report.repositories.mapValues(object),
            "llm_calls": report.llmCalls,
            "llm_calls_per_issue": Double(report.llmCalls) / Double(max(1, report.overall.issues)),
            "seconds": seconds,
        ]
        if !scarce.isEmpty {
            root["scarce_in_training"] = scarce.map { ["repository": $0.repository, "label": $0.label, "train": $0.train, "test": $0.test] }
        }
        if !models.isEmpty {
            root["models"] = models.mapValues { model -> [String: Any] in
                [
                    "version": model.version, "borrowed": model.borrowed, "examples": model.figures.examples,
                    "cross_validated": ["macro_f1": model.figures.macroF1, "coverage": model.figures.coverage,
                                        "precision_at_threshold": model.figures.precisionAtThreshold, "method": model.figures.method],
                    "thresholds": model.thresholds.mapValues { $0 > 1 ? NSNull() as Any : $0 as Any },
                ]
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
