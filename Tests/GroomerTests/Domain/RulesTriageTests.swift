import Foundation
import GroomerDomain
import Testing

/// The offline rules: honest confidences, no template boilerplate, no tie won by a name.
@Suite struct RulesTriageTests {
    static func input(title: String, body: String, rules: [LabelRule] = Policy.builtIn.rules) -> TriageInput {
        TriageInput(repository: "o/r", title: title, body: body,
                    candidates: ["bug", "enhancement", "question", "documentation"].map { LabelInfo(name: $0) }, rules: rules)
    }

    @Test func templateCheckboxesCommentsAndHeadingsDoNotTriggerRules() {
        let body = """
            <!-- Please describe the bug, with steps to reproduce. -->
            ### Describe the bug
            - [x] I searched for existing bug reports
            Make the sidebar resizable, it would be nice.
            """
        let proposals = RulesTriage().propose(Self.input(title: "Resizable sidebar", body: body))
        #expect(proposals.map(\.name) == ["enhancement"])
    }

    @Test func aMatchingRuleOfALabelThatIsNoCandidateIsReportedNotCalledNoMatch() async throws {
        let rules = [LabelRule(label: "crash", pattern: "(?i)crash"), LabelRule(label: "bug", pattern: "(?i)never-in-this-text")]
        let result = try await RulesTriage().triage(Self.input(title: "It crashes", body: "", rules: rules))
        #expect(result.proposals.isEmpty)
        #expect(result.summary.contains("the rules of crash matched"), "\(result.summary)")
        #expect(result.summary.contains("no such label is a candidate"))
        let nothing = try await RulesTriage().triage(Self.input(title: "Hello", body: "", rules: rules))
        #expect(nothing.summary == "no rule matched")
    }

    @Test func aPolicyWhoseRulesOrGroupsNameLabelsOutsideItsLabelsIsWarnedAbout() {
        var policy = Policy.builtIn
        policy.labels = [LabelInfo(name: "bug"), LabelInfo(name: "enhancement")]
        let configuration = GroomerConfiguration(defaults: policy)
        let problems = configuration.labelsNeverCandidates
        #expect(problems.contains("defaults: rules name documentation, question, not in labels: those rules never propose anything"), "\(problems)")
        #expect(problems.contains("defaults: groups name question, not in labels"))
        #expect(GroomerConfiguration().labelsNeverCandidates.isEmpty, "no labels: the repository's own, nothing to say")
    }

    @Test func aTitleMatchCountsForMoreThanABodyMatch() {
        let proposals = RulesTriage().propose(Self.input(title: "App crashes on start", body: "Is it possible to get a log? How do I enable it?"))
        let bug = try! #require(proposals.first { $0.name == "bug" })
        let question = try! #require(proposals.first { $0.name == "question" })
        #expect(bug.confidence > question.confidence)
        #expect(bug.reason.contains("in the title"))
    }

    @Test func anInvalidPatternProposesNothingInsteadOfFailing() async throws {
        let rules = [LabelRule(label: "bug", pattern: "(unclosed"), LabelRule(label: "question", pattern: "(?i)how")]
        let result = try await RulesTriage().triage(Self.input(title: "How to build", body: "", rules: rules))
        #expect(result.proposals.map(\.name) == ["question"])
        #expect(result.source == .rules)
    }

    @Test func theIdentityNamesTheRulesSoTheFingerprintFollowsThem() {
        #expect(RulesTriage().identity(for: "o/r").source == .rules)
    }
}

/// What the triage reads of an issue's body.
@Suite struct IssueTextTests {
    @Test func codeTracesHeadingsAndCheckboxesBecomeSignalsNotProse() {
        let text = IssueText(title: "Crash", body: """
            ### Steps to reproduce
            1. Open it
            - [ ] I agree
            ```
            Traceback (most recent call last):
              File "x.py", line 3, in <module>
            ```
            See https://example.com/x
            **Expected behaviour**
            _No response_
            """)
        #expect(text.headings == ["steps_to_reproduce", "expected_behaviour"])
        #expect(text.checkboxes == 1)
        #expect(text.hasCodeBlock && text.hasStackTrace && text.hasLink)
        #expect(!text.prose.contains("Traceback"))
        #expect(!text.prose.contains("No response"))
        #expect(text.prose.contains("Open it"))
        #expect(text.code.contains("File \"x.py\""))
    }
}
