import Foundation
import GroomerDomain
import Testing

/// Which labels of a repository's history teach the learned triage: a human's, not a bot's.
@Suite struct TrainingHistoryTests {
    typealias Event = HistoricIssue.Event

    static func issue(_ number: Int = 1, labels: [String], events: [Event]?) -> HistoricIssue {
        HistoricIssue(number: number, title: "It crashes", body: "Stack trace below", labels: labels, createdAt: nil, events: events)
    }

    @Test func aLabelAHumanAppliedCountsAndABotsUntouchedLabelDoesNot() {
        let issue = Self.issue(labels: ["bug", "question"],
                               events: [Event(.labeled("bug"), byHuman: true), Event(.labeled("question"), byHuman: false)])
        #expect(TrainingHistory.humanLabels(of: issue) == ["bug"])
    }

    @Test func aBotsLabelCountsOnceAHumanHasKeptIt() {
        let relabelled = Self.issue(labels: ["question", "docs"], events: [
            Event(.labeled("question"), byHuman: false), Event(.labeled("docs"), byHuman: true),
        ])
        #expect(TrainingHistory.humanLabels(of: relabelled) == ["question", "docs"], "a human labelled the issue after the bot")
        let closed = Self.issue(labels: ["question"], events: [Event(.labeled("question"), byHuman: false), Event(.closed, byHuman: true)])
        #expect(TrainingHistory.humanLabels(of: closed) == ["question"], "a human closed it as labelled")
        let botClosed = Self.issue(labels: ["question"], events: [Event(.labeled("question"), byHuman: false), Event(.closed, byHuman: false)])
        #expect(TrainingHistory.humanLabels(of: botClosed).isEmpty)
    }

    @Test func aLabelWithNoEventCameWithTheIssueAndCounts() {
        #expect(TrainingHistory.humanLabels(of: Self.issue(labels: ["bug"], events: [])) == ["bug"])
    }

    @Test func anIssueWhoseEventsWereNotReadTeachesNothing() {
        #expect(TrainingHistory.humanLabels(of: Self.issue(labels: ["bug"], events: nil)).isEmpty)
        let examples = TrainingHistory.examples(repository: "o/r", history: [Self.issue(labels: ["bug"], events: nil)], decisions: [],
                                                candidates: ["bug"])
        #expect(examples.isEmpty)
    }

    @Test func theReceiversLatestDecisionOnALabelOverridesTheHistory() {
        let key = IssueKey(repository: "o/r", number: 1)
        let at = Date(timeIntervalSince1970: 1_000)
        let decisions = [
            LabelDecision(issue: key, label: "Bug", change: .removed, actor: "maintainer", decidedAt: at + 1, deliveryGUID: nil),
            LabelDecision(issue: key, label: "question", change: .added, actor: "maintainer", decidedAt: at, deliveryGUID: nil),
            LabelDecision(issue: IssueKey(repository: "o/r", number: 9), label: "bug", change: .added, actor: "m", decidedAt: at, deliveryGUID: nil),
            LabelDecision(issue: IssueKey(repository: "o/r", number: 8), label: "bug", change: .added, actor: "m", decidedAt: at, deliveryGUID: nil),
        ]
        let history = [Self.issue(labels: ["bug", "wontfix"], events: [Event(.labeled("bug"), byHuman: true)])]
        let examples = TrainingHistory.examples(repository: "o/r", history: history, decisions: decisions, candidates: ["bug", "question"],
                                                issueText: [9: ("Crash on start", "Trace")])
        #expect(examples.map(\.number) == [1, 9], "issue 8's text is unknown")
        #expect(examples.first?.labels == ["question"], "bug removed, question added, wontfix not a candidate")
        #expect(examples.last?.labels == ["bug"])
    }
}
