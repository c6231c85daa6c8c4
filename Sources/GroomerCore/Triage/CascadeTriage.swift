import Foundation

/// The learned model first; the LLM only where the model does not clear its thresholds, with
/// the model's top labels as hints and the repository's most similar labelled issues as
/// examples. Without a model for the repository, the LLM decides every issue.
public struct CascadeTriage: Triage {
    public let learned: LearnedTriage
    public let llm: LLMTriage
    /// Similar labelled issues shown to the LLM.
    public var exampleCount = 4

    public init(learned: LearnedTriage, llm: LLMTriage) {
        self.learned = learned
        self.llm = llm
    }

    public func identity(for repository: String) -> TriageIdentity {
        let model = learned.models.model(for: repository)?.version ?? "no-model"
        return TriageIdentity(source: .cascade, version: "\(model)+\(llm.identity(for: repository).version)")
    }

    public func triage(_ input: TriageInput) async throws -> TriageResult {
        guard let model = learned.models.model(for: input.repository) else { return try await llm.triage(input) }
        var decided = LearnedTriage.triage(input, model: model)
        if model.isConfident(decided.proposals, minConfidence: input.minConfidence) {
            decided.summary += " (sure enough: the LLM was not asked)"
            return decided
        }
        let examples = model.similarExemplars(title: input.title, body: input.body, count: exampleCount)
        var result = try await llm.triage(input, hints: decided.proposals, hintSource: "a model learned from this repository's labels",
                                          examples: examples)
        result.summary += " (the learned model was unsure: \(decided.summary))"
        return result
    }
}
