import Foundation
import GroomerDomain
import Testing

/// Live precision from what humans did after groomer wrote.
@Suite struct LivePrecisionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func key(_ number: Int) -> IssueKey { IssueKey(repository: "o/r", number: number) }
    static func day(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }
    static func decision(_ number: Int, _ label: String, _ change: LabelDecision.Change, at date: Date) -> LabelDecision {
        LabelDecision(issue: key(number), label: label, change: change, actor: "maintainer", decidedAt: date, deliveryGUID: nil)
    }

    @Test func aRemovalCountsOnlyWithinAWeekOfTheWriteAndOnlyOnThatIssue() throws {
        let writes = (1...5).map { LabelWrite(issue: Self.key($0), label: "bug", writtenAt: Self.day(20)) }
        let decisions = [
            Self.decision(1, "Bug", .removed, at: Self.day(19)),   // within the week, any case: counts
            Self.decision(2, "bug", .removed, at: Self.day(12)),   // eight days later: the human changed their mind, not groomer wrong
            Self.decision(3, "bug", .removed, at: Self.day(21)),   // before the write: not a correction of it
            Self.decision(9, "bug", .removed, at: Self.day(19)),   // another issue
            Self.decision(4, "question", .added, at: Self.day(19)),  // groomer never proposed it there: a recall hint
            Self.decision(5, "bug", .added, at: Self.day(19)),       // it did: no hint
        ]
        let proposed = Dictionary(uniqueKeysWithValues: (1...5).map { (Self.key($0), Set(["bug"])) })
        let live = LivePrecision.compute(writes: writes, proposed: proposed, decisions: decisions,
                                         groomedAt: writes.map(\.writtenAt), now: Self.now)
        let bug = try #require(live.labels.first { $0.label == "bug" })
        #expect(bug.written == 5 && bug.removed == 1 && bug.precision == 0.8)
        #expect(live.labels.first { $0.label == "question" }?.addedByHumans == 1)
        #expect(live.labels.first { $0.label == "question" }?.precision == nil)
        #expect(live.overall.written == 5)
        #expect(live.weeks.count == 12 && live.weeks.last!.start == Self.day(7))
        #expect(live.weeks.map(\.grooms).reduce(0, +) == 5)
        #expect(live.weeks.map(\.corrections).reduce(0, +) == 1)
    }
}
