import Foundation

/// An issue of a repository's history as GitHub shows it now: its labels and, where they were
/// read, the events that say who put each label there.
public struct HistoricIssue: Sendable, Equatable {
    /// One entry of the issue's event log that bears on its labels.
    public struct Event: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case labeled(String)
            case unlabeled(String)
            /// Closed (or reopened): whoever did it looked at the issue as it was labelled.
            case closed
        }

        public var kind: Kind
        /// False for a bot, an App, or groomer's own login.
        public var byHuman: Bool

        public init(_ kind: Kind, byHuman: Bool) {
            self.kind = kind
            self.byHuman = byHuman
        }
    }

    public var number: Int
    public var title: String
    public var body: String
    public var labels: [String]
    public var createdAt: Date?
    /// Oldest first; nil when the events were not read (then no label counts).
    public var events: [Event]?

    public init(number: Int, title: String, body: String, labels: [String], createdAt: Date?, events: [Event]?) {
        self.number = number
        self.title = title
        self.body = body
        self.labels = labels
        self.createdAt = createdAt
        self.events = events
    }
}

/// What the learned triage trains on for one repository: the labels humans gave its issues.
public enum TrainingHistory {
    /// The issue's labels that a human applied, or that a bot applied and a human kept (a human
    /// changed the issue's labels or closed it afterwards). A label with no `labeled` event
    /// (applied when the issue was opened, by its template or its author) counts as a human's.
    public static func humanLabels(of issue: HistoricIssue) -> [String] {
        guard let events = issue.events else { return [] }
        return issue.labels.filter { label in
            let name = label.lowercased()
            guard let last = events.lastIndex(where: { if case .labeled(let l) = $0.kind { return l.lowercased() == name }; return false })
            else { return true }
            if events[last].byHuman { return true }
            return events[(last + 1)...].contains { $0.byHuman }
        }
    }

    /// Training examples of `repository`: each issue of its history with the candidate labels
    /// humans gave it, corrected by the human label decisions groomer's receiver recorded (the
    /// latest decision on a label wins). An issue the history lacks but a decision names is
    /// an example where `issueText` knows its title and body. Issues with no candidate label
    /// left are not examples: nobody has triaged them.
    public static func examples(repository: String, history: [HistoricIssue], decisions: [LabelDecision],
                                candidates: [String], issueText: [Int: (title: String, body: String)] = [:]) -> [LabelledIssue] {
        let byName = Dictionary(candidates.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var latest: [Int: [String: LabelDecision.Change]] = [:]
        for decision in decisions.sorted(by: { $0.decidedAt < $1.decidedAt }) {
            guard let name = byName[decision.label.lowercased()] else { continue }
            latest[decision.issue.number, default: [:]][name] = decision.change
        }
        var examples: [LabelledIssue] = []
        var seen = Set<Int>()
        func example(number: Int, title: String, body: String, labels: [String], createdAt: Date?) {
            var chosen = Set(labels.compactMap { byName[$0.lowercased()] })
            for (label, change) in latest[number] ?? [:] {
                if change == .added { chosen.insert(label) } else { chosen.remove(label) }
            }
            guard !chosen.isEmpty else { return }
            examples.append(LabelledIssue(repository: repository, number: number, title: title, body: body,
                                          labels: chosen.sorted(), createdAt: createdAt))
        }
        for issue in history where seen.insert(issue.number).inserted {
            example(number: issue.number, title: issue.title, body: issue.body, labels: humanLabels(of: issue), createdAt: issue.createdAt)
        }
        for number in latest.keys.sorted() where !seen.contains(number) {
            guard let text = issueText[number] else { continue }
            example(number: number, title: text.title, body: text.body, labels: [], createdAt: nil)
        }
        return examples
    }
}
