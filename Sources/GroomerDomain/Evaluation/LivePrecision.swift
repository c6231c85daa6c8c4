import Foundation

/// A label groomer wrote on an issue, and when.
public struct LabelWrite: Sendable, Equatable {
    public var issue: IssueKey
    public var label: String
    public var writtenAt: Date

    public init(issue: IssueKey, label: String, writtenAt: Date) {
        self.issue = issue
        self.label = label
        self.writtenAt = writtenAt
    }
}

/// How right groomer is in the field, from what humans did afterwards: of the labels it wrote,
/// the share no human removed within a week (its live precision), and the labels humans added
/// that it had not proposed (a hint of what it misses). Pure: the page computes it from the
/// audit and the recorded human label decisions.
public struct LivePrecision: Sendable, Equatable {
    /// One label's figures.
    public struct LabelFigures: Sendable, Equatable {
        public var label: String
        /// Times groomer wrote it.
        public var written: Int
        /// Of those, removed by a human within `LivePrecision.window`.
        public var removed: Int
        /// Times a human added it to an issue groomer had groomed without proposing it.
        public var addedByHumans: Int

        /// 1 − removed / written; nil before groomer wrote it.
        public var precision: Double? { written > 0 ? 1 - Double(removed) / Double(written) : nil }
    }

    /// One week of grooms and of corrections (a human removing a label groomer wrote).
    public struct Week: Sendable, Equatable {
        public var start: Date
        public var grooms: Int
        public var corrections: Int
    }

    /// How long after a write a human's removal counts against it.
    public static let window: TimeInterval = 7 * 86_400

    /// Labels by name, most written first.
    public var labels: [LabelFigures]
    /// Oldest first, the last one ending at `now`.
    public var weeks: [Week]

    /// Written and removed over all labels.
    public var overall: LabelFigures {
        LabelFigures(label: "all", written: labels.reduce(0) { $0 + $1.written }, removed: labels.reduce(0) { $0 + $1.removed },
                     addedByHumans: labels.reduce(0) { $0 + $1.addedByHumans })
    }

    /// - Parameters:
    ///   - writes: the labels groomer wrote.
    ///   - proposed: per issue groomer groomed, every label it ever proposed there.
    ///   - decisions: the human label decisions (bots' are never recorded as decisions).
    ///   - groomedAt: when each groom happened, for the weekly series.
    public static func compute(writes: [LabelWrite], proposed: [IssueKey: Set<String>], decisions: [LabelDecision],
                               groomedAt: [Date], now: Date, weekCount: Int = 12) -> LivePrecision {
        func fold(_ label: String) -> String { label.lowercased() }
        var removals: [IssueKey: [String: [Date]]] = [:]
        for decision in decisions where decision.change == .removed {
            removals[decision.issue, default: [:]][fold(decision.label), default: []].append(decision.decidedAt)
        }
        var figures: [String: LabelFigures] = [:]
        var names: [String: String] = [:]
        var correctionDates: [Date] = []
        for write in writes {
            let key = fold(write.label)
            names[key] = names[key] ?? write.label
            figures[key, default: LabelFigures(label: write.label, written: 0, removed: 0, addedByHumans: 0)].written += 1
            let end = write.writtenAt.addingTimeInterval(window)
            if let removedAt = removals[write.issue]?[key]?.first(where: { $0 >= write.writtenAt && $0 <= end }) {
                figures[key]?.removed += 1
                correctionDates.append(removedAt)
            }
        }
        let proposedFolded = proposed.mapValues { Set($0.map(fold)) }
        for decision in decisions where decision.change == .added {
            guard let seen = proposedFolded[decision.issue], !seen.contains(fold(decision.label)) else { continue }
            let key = fold(decision.label)
            figures[key, default: LabelFigures(label: names[key] ?? decision.label, written: 0, removed: 0, addedByHumans: 0)].addedByHumans += 1
        }
        let labels = figures.values.sorted { ($0.written, $1.label) > ($1.written, $0.label) }

        var weeks: [Week] = []
        for index in (0..<max(1, weekCount)).reversed() {
            let end = now.addingTimeInterval(-Double(index) * window)
            let start = end.addingTimeInterval(-window)
            let inWeek = { (date: Date) in date > start && date <= end }
            weeks.append(Week(start: start, grooms: groomedAt.count(where: inWeek), corrections: correctionDates.count(where: inWeek)))
        }
        return LivePrecision(labels: labels, weeks: weeks)
    }
}
