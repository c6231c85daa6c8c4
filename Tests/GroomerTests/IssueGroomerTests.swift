import Foundation
import GroomerCore
import GroomerTesting
import Logging
import Synchronization
import Testing

/// One groom on in-memory ports: no database, no HTTP. Offline (no GitHub) the issue is the
/// delivery's copy and nothing is written, which is enough to see the four parts of a groom:
/// read, plan, apply (here: not), record.
@Suite struct IssueGroomerTests {
    static let key = IssueKey(repository: "octo/widgets", number: 7)

    /// The rules, counting how often they are asked.
    final class CountingTriage: Triage {
        let calls = Mutex(0)
        func identity(for repository: String) -> TriageIdentity { RulesTriage().identity(for: repository) }
        func triage(_ input: TriageInput) async throws -> TriageResult {
            calls.withLock { $0 += 1 }
            return try await RulesTriage().triage(input)
        }
    }

    static func groomer(_ ledger: InMemoryLedger, triage: any Triage = RulesTriage()) -> IssueGroomer {
        var logger = Logger(label: "groom-test")
        logger.logLevel = .critical
        return IssueGroomer(store: ledger, github: nil, triage: triage, configuration: GroomerConfiguration(), botLogin: "groomer-bot",
                            clock: ManualClock(), logger: logger)
    }

    static func request(_ snapshot: IssueSnapshot?, forced: Bool = false) -> GroomRequest {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        return GroomRequest(key: key, status: .pending, firstEventAt: at, lastEventAt: at, dueAt: at, events: 1, version: 1, forced: forced,
                            attempts: 0, lastError: nil, installationID: nil, snapshot: snapshot)
    }

    static let spelling = IssueSnapshot(title: "Spelling error in the README file", body: "It crashes when I open it.")

    @Test func anOfflineGroomPlansFromTheDeliverysCopyAndWritesNothing() async throws {
        let ledger = InMemoryLedger()
        let (record, completion) = await Self.groomer(ledger).groom(Self.request(Self.spelling), runID: 1, lockHeld: { true })
        #expect(record.outcome == .dryRun)
        #expect(record.dryRun)
        #expect(Set(record.plan?.add ?? []) == ["bug", "documentation"])
        #expect(record.written == nil)
        #expect(record.reason?.contains("no GitHub credentials") == true)
        #expect(record.triage?.source == .rules)
        #expect(completion == .done)
        #expect(try await ledger.groomerOwnedLabels(Self.key).isEmpty, "a dry run owns no label")
    }

    @Test func theSameContentGroomedAgainIsUnchangedAndNotTriagedTwice() async throws {
        let ledger = InMemoryLedger()
        let triage = CountingTriage()
        let groomer = Self.groomer(ledger, triage: triage)
        let (first, _) = await groomer.groom(Self.request(Self.spelling), runID: 1, lockHeld: { true })
        try await ledger.recordGroom(first)
        let (second, _) = await groomer.groom(Self.request(Self.spelling), runID: 2, lockHeld: { true })
        #expect(second.outcome == .unchanged)
        #expect(second.fingerprint == first.fingerprint)
        #expect(triage.calls.withLock { $0 } == 1)

        // An edited body is new content: triaged again.
        var edited = Self.spelling
        edited.body += " Also on the second page."
        let (third, _) = await groomer.groom(Self.request(edited), runID: 3, lockHeld: { true })
        #expect(third.outcome == .dryRun)
        #expect(triage.calls.withLock { $0 } == 2)
    }

    @Test func aForcedGroomTriagesUnchangedContentAgain() async throws {
        let ledger = InMemoryLedger()
        let triage = CountingTriage()
        let groomer = Self.groomer(ledger, triage: triage)
        let (first, _) = await groomer.groom(Self.request(Self.spelling), runID: 1, lockHeld: { true })
        try await ledger.recordGroom(first)
        let (forced, _) = await groomer.groom(Self.request(Self.spelling, forced: true), runID: 2, lockHeld: { true })
        #expect(forced.outcome == .dryRun)
        #expect(forced.forced)
        #expect(triage.calls.withLock { $0 } == 2)
    }

    @Test func aLabelAHumanRemovedIsNotPlannedAgain() async throws {
        let removal = LabelDecision(issue: Self.key, label: "bug", change: .removed, actor: "maintainer",
                                    decidedAt: Date(timeIntervalSince1970: 1_700_000_000), deliveryGUID: "g-1")
        let ledger = InMemoryLedger(decisions: [removal])
        let (record, _) = await Self.groomer(ledger).groom(Self.request(Self.spelling), runID: 1, lockHeld: { true })
        #expect(record.plan?.add == ["documentation"])
        #expect(record.triage?.proposals.contains { $0.name == "bug" } == true, "the rules still proposed it")
        #expect(record.notes["bug"] != nil, "and the record says why it was left out")
    }

    @Test func aClosedOrLockedIssueIsSkippedWithATypedReasonAndNoTriage() async throws {
        let triage = CountingTriage()
        var closed = Self.spelling
        closed.state = "closed"
        let (skipped, completion) = await Self.groomer(InMemoryLedger(), triage: triage).groom(Self.request(closed), runID: 1, lockHeld: { true })
        #expect(skipped.outcome == .skipped)
        #expect(skipped.skip == .notOpen(state: "closed"))
        #expect(completion == .done)
        var locked = Self.spelling
        locked.locked = true
        let (lockedRecord, _) = await Self.groomer(InMemoryLedger(), triage: triage).groom(Self.request(locked), runID: 1, lockHeld: { true })
        #expect(lockedRecord.skip == .locked)
        #expect(triage.calls.withLock { $0 } == 0)
    }

    @Test func offlineWithoutACopyOfTheIssueTheGroomIsSkipped() async throws {
        let (record, _) = await Self.groomer(InMemoryLedger()).groom(Self.request(nil), runID: 1, lockHeld: { true })
        #expect(record.outcome == .skipped)
        #expect(record.skip == .noCopyOffline)
    }
}
