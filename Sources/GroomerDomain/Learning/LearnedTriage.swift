import Foundation

/// Where the learned triage finds the model in force for a repository (kept in the store and
/// cached by the infrastructure; a fixed set in `eval` and tests).
public protocol LabelModelSource: Sendable {
    func model(for repository: String) -> LabelModel?
}

/// A fixed set of models by repository (case-insensitive), with an optional model for any other.
public struct FixedModels: LabelModelSource {
    public var models: [String: LabelModel]
    public var fallback: LabelModel?

    public init(_ models: [String: LabelModel], fallback: LabelModel? = nil) {
        self.models = Dictionary(models.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.fallback = fallback
    }

    public func model(for repository: String) -> LabelModel? { models[repository.lowercased()] ?? fallback }
}

/// Triage by the model learned from the repository's own labelling; where no model exists yet,
/// the rules decide.
public struct LearnedTriage: Triage {
    public let models: any LabelModelSource
    public let rules: RulesTriage

    public init(models: any LabelModelSource, rules: RulesTriage = RulesTriage()) {
        self.models = models
        self.rules = rules
    }

    public func identity(for repository: String) -> TriageIdentity {
        guard let model = models.model(for: repository) else { return rules.identity(for: repository) }
        return TriageIdentity(source: .learned, version: model.version)
    }

    public func triage(_ input: TriageInput) async throws -> TriageResult {
        guard let model = models.model(for: input.repository) else { return try await rules.triage(input) }
        return Self.triage(input, model: model)
    }

    /// The model's proposals, limited to the candidates.
    public static func triage(_ input: TriageInput, model: LabelModel) -> TriageResult {
        let byName = Dictionary(input.candidates.map { ($0.name.lowercased(), $0.name) }, uniquingKeysWith: { first, _ in first })
        let proposals = model.propose(title: input.title, body: input.body).compactMap { proposal -> LabelProposal? in
            guard let name = byName[proposal.name.lowercased()] else { return nil }
            var proposal = proposal
            proposal.name = name
            return proposal
        }
        let summary = proposals.isEmpty ? "the learned model proposes no candidate label"
            : "learned model: " + proposals.map { "\($0.name) \(LabelModel.percent($0.confidence))" }.joined(separator: ", ")
        return TriageResult(source: .learned, proposals: proposals, summary: summary, model: model.version)
    }
}
