import Foundation
import Logging

/// Reads what a repository's history teaches: its issues, open and closed, newest first, and
/// for each one that carries a candidate label, its events (who put the label there).
public struct HistoryReader: Sendable {
    public let github: any GitHubAPI
    /// groomer's own login: a label it applied is not a human's until a human has kept it.
    public let botLogin: String?
    /// Requests of GitHub's hour that reading events leaves for the grooms: below it, the rest
    /// of the history is read without events and teaches nothing this time.
    public var reserve: Int

    public init(github: any GitHubAPI, botLogin: String?, reserve: Int = 500) {
        self.github = github
        self.botLogin = botLogin
        self.reserve = reserve
    }

    /// What was read, and how many labelled issues went unread for the rate budget's sake.
    public struct History: Sendable {
        public var issues: [HistoricIssue]
        public var eventsSkipped: Int
    }

    public func read(_ repository: String, installation: Int64?, candidates: [String], limit: Int) async throws -> History {
        let candidateNames = Set(candidates.map { $0.lowercased() })
        var history = History(issues: [], eventsSkipped: 0)
        for issue in try await github.repositoryIssues(repository, installation: installation, limit: limit) {
            let labels = issue.labels.map(\.name).filter { candidateNames.contains($0.lowercased()) }
            var events: [HistoricIssue.Event]?
            if !labels.isEmpty {
                if let left = github.rateLimitRemaining, left < reserve {
                    history.eventsSkipped += 1
                } else {
                    events = try await github.issueEvents(IssueKey(repository: repository, number: issue.number), installation: installation)
                        .compactMap(event)
                }
            }
            history.issues.append(HistoricIssue(number: issue.number, title: issue.title, body: issue.body, labels: labels,
                                                createdAt: issue.createdAt, events: events))
        }
        return history
    }

    private func event(_ event: IssueEvent) -> HistoricIssue.Event? {
        let byHuman = event.actor != nil && !event.isByBot(groomerLogin: botLogin)
        switch event.event {
        case "labeled": return event.label.map { HistoricIssue.Event(.labeled($0), byHuman: byHuman) }
        case "unlabeled": return event.label.map { HistoricIssue.Event(.unlabeled($0), byHuman: byHuman) }
        case "closed", "reopened": return HistoricIssue.Event(.closed, byHuman: byHuman)
        default: return nil
        }
    }
}
