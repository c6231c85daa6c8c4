import GroomerDomain
import Testing

/// The rationale GitHub shows beside a suggested or written label: the triage's reason, never
/// the issue author's own words echoed back.
@Suite struct LabelRationaleTests {
    static let title = "App crashes when I open the settings page"
    static let body = "Steps: open the app, tap Settings. It crashes with a NullPointerException in SettingsView."

    static func rationale(_ reason: String, confidence: Double = 0.93, source: TriageSource = .llm) -> String {
        LabelRationale(issueTitle: title, issueBody: body).text(LabelProposal(name: "bug", confidence: confidence, reason: reason), source: source)
    }

    @Test func aReasonInItsOwnWordsIsKeptWithWhoProposedItAndHowSure() {
        #expect(Self.rationale("A crash report with a stack trace: a defect, not a request.")
                == "groomer (LLM, 93%): A crash report with a stack trace: a defect, not a request.")
        #expect(Self.rationale("rule matched crash", confidence: 0.86, source: .rules) == "groomer (rules, 86%): rule matched crash")
    }

    @Test func aPhraseCopiedFromTheIssueIsElidedWhateverItsCaseAndPunctuation() {
        let text = Self.rationale("The reporter says the app CRASHES when i open the Settings page, which is a defect.")
        #expect(text == "groomer (LLM, 93%): The reporter says the …, which is a defect.", "\(text)")
        #expect(!text.lowercased().contains("open the settings"))
        // Copied from the body, across its sentence break ("it crashes with a" is the body's too).
        #expect(Self.rationale("Defect: tap settings it crashes with a null pointer.") == "groomer (LLM, 93%): Defect: … null pointer.")
    }

    @Test func aFewSharedWordsAreNotAnEchoButAQuotationIs() {
        #expect(Self.rationale("the app crashes: a bug") == "groomer (LLM, 93%): the app crashes: a bug", "three words in a row are fine")
        #expect(Self.rationale(#"It says "NullPointerException" so it is a bug"#) == "groomer (LLM, 93%): It says … so it is a bug")
    }

    @Test func theRationaleKeepsWithinGitHubsLimit() {
        let text = Self.rationale(String(repeating: "a defect, not a request; ", count: 40))
        #expect(text.count == LabelRationale.maximumLength)
    }
}
