import Foundation

/// Offline triage (SPEC §6): each configured regular expression that matches the title or body
/// proposes its label, if that label is a candidate.
public enum RulesTriage {
    /// The confidence of a rule match: above the default threshold, below a certain answer.
    public static let confidence = 0.9

    public static func propose(_ input: TriageInput) -> [LabelProposal] {
        let candidates = Set(input.candidates.map { $0.name.lowercased() })
        let text = input.title + "\n" + input.body
        var proposals: [LabelProposal] = []
        for rule in input.rules where candidates.contains(rule.label.lowercased()) && !proposals.contains(where: { $0.name == rule.label }) {
            guard let regex = try? NSRegularExpression(pattern: rule.pattern),
                  let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range, in: text) else { continue }
            let name = input.candidates.first { $0.name.lowercased() == rule.label.lowercased() }?.name ?? rule.label
            proposals.append(LabelProposal(name: name, confidence: confidence, reason: "rule matched \"\(text[range].prefix(60))\""))
        }
        return proposals
    }

    public static func triage(_ input: TriageInput) -> TriageResult {
        let proposals = propose(input)
        return TriageResult(source: "rules", proposals: proposals,
                            summary: proposals.isEmpty ? "no rule matched" : "rules matched: \(proposals.map(\.name).joined(separator: ", "))")
    }
}
