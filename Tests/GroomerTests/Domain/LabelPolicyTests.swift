import Foundation
import GroomerDomain
import Testing

/// The policy that turns proposals into a plan, and the planner that runs it.
@Suite struct LabelPolicyTests {
    static let candidates = ["bug", "enhancement", "question", "documentation"].map { LabelInfo(name: $0) }
    static let policy = LabelPolicy(minConfidence: 0.7, groups: [["bug", "enhancement", "question"]], removeLabels: true)

    static func plan(_ proposals: [LabelProposal], current: [String] = [], humans: HumanLabelHistory = HumanLabelHistory(),
                     owned: Set<String> = []) -> LabelPolicy.Decision {
        GroomPlanner.plan(triage: TriageResult(source: .rules, proposals: proposals, summary: ""), current: current,
                          candidates: candidates, policy: policy, humans: humans, groomerOwned: owned)
    }

    @Test func noLabelWinsATieInAnExclusiveGroupByItsName() {
        let decision = Self.plan([LabelProposal(name: "question", confidence: 0.8, reason: ""),
                                  LabelProposal(name: "bug", confidence: 0.8, reason: "")])
        #expect(decision.plan.add.isEmpty)
        #expect(decision.notes["bug"]?.contains("tied with question") == true)
        #expect(decision.notes["question"]?.contains("tied with bug") == true)
    }

    @Test func theMoreConfidentLabelOfAGroupWinsAndTheOtherIsExplained() {
        let decision = Self.plan([LabelProposal(name: "bug", confidence: 0.75, reason: ""),
                                  LabelProposal(name: "question", confidence: 0.9, reason: "")])
        #expect(decision.plan.add == ["question"])
        #expect(decision.notes["bug"] == "exclusive group already has question")
    }

    @Test func aLearnedThresholdAboveMinConfidenceHoldsTheLabelBack() {
        let decision = Self.plan([LabelProposal(name: "bug", confidence: 0.8, reason: "", threshold: 0.85),
                                  LabelProposal(name: "documentation", confidence: 0.9, reason: "", threshold: 0.6)])
        #expect(decision.plan.add == ["documentation"])
        #expect(decision.notes["bug"] == "confidence 0.80 below the learned threshold 0.85")
    }

    @Test func aLabelThatNeverReachedItsTargetPrecisionIsShownNotWritten() {
        let decision = Self.plan([LabelProposal(name: "question", confidence: 0.99, reason: "", threshold: .infinity)])
        #expect(decision.plan.isEmpty)
        #expect(decision.notes["question"]?.contains("does not reach its target precision") == true)
    }

    @Test func aLabelAHumanRemovedIsNeverAddedAgain() {
        let decision = Self.plan([LabelProposal(name: "bug", confidence: 0.95, reason: "")], humans: HumanLabelHistory(removed: ["bug"]))
        #expect(decision.plan.isEmpty)
        #expect(decision.notes["bug"] == "a human removed it")
    }

    @Test func groomersOwnLabelIsRemovedWhenNoLongerProposedButNotOneAHumanAdded() {
        let decision = Self.plan([LabelProposal(name: "question", confidence: 0.9, reason: "")], current: ["bug", "documentation"],
                                 humans: HumanLabelHistory(added: ["documentation"]), owned: ["bug", "documentation"])
        #expect(decision.plan.remove == ["bug"])
        #expect(decision.plan.add.isEmpty, "the group already has bug on the issue until it is removed")
    }

    @Test func theLatestHumanDecisionPerLabelWins() {
        let key = IssueKey(repository: "o/r", number: 1)
        let history = HumanLabelHistory(decisions: [
            LabelDecision(issue: key, label: "Bug", change: .removed, actor: "a", decidedAt: Date(timeIntervalSince1970: 10), deliveryGUID: nil),
            LabelDecision(issue: key, label: "bug", change: .added, actor: "a", decidedAt: Date(timeIntervalSince1970: 20), deliveryGUID: nil),
            LabelDecision(issue: key, label: "question", change: .removed, actor: "a", decidedAt: Date(timeIntervalSince1970: 5), deliveryGUID: nil),
        ])
        #expect(history.added == ["bug"])
        #expect(history.removed == ["question"])
    }

    @Test func closedLockedAndPullRequestsAreSkippedWithTheirReason() {
        #expect(GroomPlanner.skipReason(isPullRequest: true, state: "open", locked: false) == .pullRequest)
        #expect(GroomPlanner.skipReason(isPullRequest: false, state: "closed", locked: false)?.description == "issue is closed")
        #expect(GroomPlanner.skipReason(isPullRequest: false, state: "open", locked: true) == .locked)
        #expect(GroomPlanner.skipReason(isPullRequest: false, state: "open", locked: false) == nil)
    }
}
