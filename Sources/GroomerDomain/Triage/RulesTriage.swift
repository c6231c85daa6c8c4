import Foundation
import Synchronization

/// Offline triage by the configured regular expressions. Each rule that matches the issue's
/// prose (template boilerplate removed, see `IssueText`) proposes its label if it is a
/// candidate. A match in the title counts for more than one in the body, and more matches for
/// more than one, so two labels rarely tie; when they do, the policy writes neither.
public struct RulesTriage: Triage {
    /// The confidence of a lone match in the body; above the default `min_confidence`.
    public static let bodyConfidence = 0.76
    /// The confidence of a lone match in the title.
    public static let titleConfidence = 0.86

    /// The rules of one policy, compiled once.
    public struct Compiled: Sendable {
        public let rules: [LabelRule]
        let expressions: [NSRegularExpression?]

        public init(_ rules: [LabelRule]) {
            self.rules = rules
            self.expressions = rules.map { try? NSRegularExpression(pattern: $0.pattern) }
        }
    }

    private let cache: RuleCache

    public init() {
        cache = RuleCache()
    }

    public func identity(for repository: String) -> TriageIdentity {
        TriageIdentity(source: .rules, version: "rules-2")
    }

    public func triage(_ input: TriageInput) async throws -> TriageResult {
        let proposals = propose(input)
        guard proposals.isEmpty else {
            return TriageResult(source: .rules, proposals: proposals, summary: "rules matched: \(proposals.map(\.name).joined(separator: ", "))")
        }
        let elsewhere = Self.matchesOutsideCandidates(input, compiled: cache.compiled(input.rules))
        return TriageResult(source: .rules, proposals: [], summary: elsewhere.isEmpty ? "no rule matched"
            : "no rule of a candidate label matched; the rules of \(elsewhere.joined(separator: ", ")) matched, "
              + "but no such label is a candidate (it is not in the repository, or not in the policy's labels)")
    }

    /// The labels, not candidates, whose rules match the issue: a rule that can never propose anything.
    static func matchesOutsideCandidates(_ input: TriageInput, compiled: Compiled) -> [String] {
        let candidates = Set(input.candidates.map { $0.name.lowercased() })
        let text = IssueText(title: input.title, body: input.body)
        var labels: [String] = []
        for (rule, expression) in zip(compiled.rules, compiled.expressions) where !candidates.contains(rule.label.lowercased()) {
            guard let expression, !labels.contains(rule.label) else { continue }
            for part in [text.title, text.prose] where expression.firstMatch(in: part, range: NSRange(part.startIndex..., in: part)) != nil {
                labels.append(rule.label)
                break
            }
        }
        return labels
    }

    /// What the rules propose, with the policy's rules compiled once for all the issues they see.
    public func propose(_ input: TriageInput) -> [LabelProposal] {
        Self.propose(input, compiled: cache.compiled(input.rules))
    }

    static func propose(_ input: TriageInput, compiled: Compiled) -> [LabelProposal] {
        let byName = Dictionary(input.candidates.map { ($0.name.lowercased(), $0.name) }, uniquingKeysWith: { first, _ in first })
        let text = IssueText(title: input.title, body: input.body)
        let title = text.title
        let body = text.prose
        var proposals: [LabelProposal] = []
        for (rule, expression) in zip(compiled.rules, compiled.expressions) {
            guard let expression, let name = byName[rule.label.lowercased()] else { continue }
            let titleMatches = expression.matches(in: title, range: NSRange(title.startIndex..., in: title))
            let bodyMatches = expression.matches(in: body, range: NSRange(body.startIndex..., in: body))
            guard let first = titleMatches.first.map({ (title, $0) }) ?? bodyMatches.first.map({ (body, $0) }),
                  let range = Range(first.1.range, in: first.0) else { continue }
            let extra = min(4, titleMatches.count + bodyMatches.count - 1)
            let confidence = min(0.95, (titleMatches.isEmpty ? bodyConfidence : titleConfidence) + 0.02 * Double(extra))
            let place = titleMatches.isEmpty ? "body" : "title"
            let reason = "rule matched \"\(first.0[range].prefix(60))\" in the \(place)"
                + (extra > 0 ? " (\(titleMatches.count + bodyMatches.count) matches)" : "")
            if let index = proposals.firstIndex(where: { $0.name == name }) {
                if confidence > proposals[index].confidence { proposals[index] = LabelProposal(name: name, confidence: confidence, reason: reason) }
            } else {
                proposals.append(LabelProposal(name: name, confidence: confidence, reason: reason))
            }
        }
        return proposals
    }
}

/// Compiled rule sets by their rules, so a groom never recompiles a regular expression.
final class RuleCache: Sendable {
    private let storage = Mutex<[[LabelRule]: RulesTriage.Compiled]>([:])

    func compiled(_ rules: [LabelRule]) -> RulesTriage.Compiled {
        if let hit = storage.withLock({ $0[rules] }) { return hit }
        let compiled = RulesTriage.Compiled(rules)
        storage.withLock { cache in
            if cache.count > 64 { cache.removeAll() }
            cache[rules] = compiled
        }
        return compiled
    }
}
