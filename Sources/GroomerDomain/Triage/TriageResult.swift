import Foundation

/// One label the triage proposes, with how sure it is and why.
public struct LabelProposal: Sendable, Equatable, Codable {
    public var name: String
    /// A probability where the triage has one (the learned model's), else the triage's own scale.
    public var confidence: Double
    public var reason: String
    /// The confidence this label must reach to be written, where the triage knows one: the
    /// learned model's cross-validated threshold for its target precision. `nil`: only the
    /// policy's `min_confidence` applies; `.infinity`: the label is shown, never written.
    public var threshold: Double?

    public init(name: String, confidence: Double, reason: String, threshold: Double? = nil) {
        self.name = name
        self.confidence = confidence
        self.reason = reason
        self.threshold = threshold
    }

    private enum CodingKeys: String, CodingKey { case name, confidence, reason, threshold }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        confidence = try container.decode(Double.self, forKey: .confidence)
        reason = try container.decode(String.self, forKey: .reason)
        // JSON has no infinity: a label that may never be written is stored as a threshold above 1.
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold).map { $0 > 1 ? .infinity : $0 }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(reason, forKey: .reason)
        if let threshold { try container.encode(threshold.isFinite ? threshold : 2, forKey: .threshold) }
    }
}

/// Which triage produced a result.
public enum TriageSource: String, Sendable, Codable, CaseIterable {
    /// The configured keyword rules.
    case rules
    /// The model learned from the repository's own labelling.
    case learned
    /// An OpenAI-compatible model.
    case llm
    /// The learned model where it was sure, the LLM for the rest.
    case cascade
    /// Nothing to triage (no candidate labels).
    case none
}

/// What the triage concluded about one issue.
public struct TriageResult: Sendable, Equatable, Codable {
    public var source: TriageSource
    public var proposals: [LabelProposal]
    public var summary: String
    /// The LLM's model name, or the learned model's version.
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The model's answer as it wrote it, for the audit.
    public var rawOutput: String?
    /// Labels the model named that are not candidates: dropped, counted.
    public var droppedLabels: [String] = []
    /// LLM requests this triage made (0 when the learned model decided alone).
    public var llmCalls: Int = 0

    public init(source: TriageSource, proposals: [LabelProposal], summary: String, model: String? = nil,
                promptTokens: Int? = nil, completionTokens: Int? = nil, rawOutput: String? = nil,
                droppedLabels: [String] = [], llmCalls: Int = 0) {
        self.source = source
        self.proposals = proposals
        self.summary = summary
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.rawOutput = rawOutput
        self.droppedLabels = droppedLabels
        self.llmCalls = llmCalls
    }

    private enum CodingKeys: String, CodingKey {
        case source, proposals, summary, model, promptTokens, completionTokens, rawOutput, droppedLabels, llmCalls
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(TriageSource.self, forKey: .source)
        proposals = try container.decode([LabelProposal].self, forKey: .proposals)
        summary = try container.decode(String.self, forKey: .summary)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens)
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens)
        rawOutput = try container.decodeIfPresent(String.self, forKey: .rawOutput)
        droppedLabels = try container.decodeIfPresent([String].self, forKey: .droppedLabels) ?? []
        llmCalls = try container.decodeIfPresent(Int.self, forKey: .llmCalls) ?? (source == .llm ? 1 : 0)
    }
}

/// The issue text and the labels it may get: what the triage reads.
public struct TriageInput: Sendable {
    public var repository: String
    public var title: String
    public var body: String
    public var candidates: [LabelInfo]
    public var rules: [LabelRule]
    /// The policy's `min_confidence`: below it nothing is written, so a cascade that stops at a
    /// proposal below it would leave the issue unlabelled without asking the LLM.
    public var minConfidence: Double
    /// True when an earlier groom of the issue failed: a triage that retries on its own tries
    /// once, so a failing LLM costs its retries once per issue, not once per groom attempt.
    public var isRetry: Bool

    public init(repository: String, title: String, body: String, candidates: [LabelInfo], rules: [LabelRule], minConfidence: Double = 0,
                isRetry: Bool = false) {
        self.repository = repository
        self.title = title
        self.body = body
        self.candidates = candidates
        self.rules = rules
        self.minConfidence = minConfidence
        self.isRetry = isRetry
    }
}

/// Names a triage and the version of everything it decides by (rules, model, prompt), so that
/// a groom's fingerprint changes when the triage would decide differently.
public struct TriageIdentity: Sendable, Hashable, CustomStringConvertible {
    public var source: TriageSource
    /// For example the LLM's model and prompt version, or the learned model's version.
    public var version: String

    public init(source: TriageSource, version: String) {
        self.source = source
        self.version = version
    }

    public var description: String { "\(source.rawValue):\(version)" }
}

/// The seam between the groom and whatever decides labels: rules, the learned model, an LLM
/// or the cascade of the last two.
public protocol Triage: Sendable {
    /// What decides for `repository` now; part of the groom's fingerprint.
    func identity(for repository: String) -> TriageIdentity
    func triage(_ input: TriageInput) async throws -> TriageResult
}

/// A model answered, but not in the shape asked for (for example without a `labels` array):
/// a failure to retry, never "no labels"; the answer is kept for the audit.
public struct UnusableTriageAnswer: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: TriageSource
    public var model: String?
    public var problem: String
    /// The answer exactly as the model wrote it.
    public var raw: String?

    public init(source: TriageSource, model: String?, problem: String, raw: String?) {
        self.source = source
        self.model = model
        self.problem = problem
        self.raw = raw
    }

    public var description: String { "the \(source.rawValue) triage's answer is unusable: \(problem)" }
}

/// Which triage a deployment runs.
public enum TriageMode: String, Sendable, CaseIterable, Codable {
    /// The keyword rules alone.
    case rules
    /// The model learned from each repository's labelling; the rules where none exists yet.
    case learned
    /// The LLM for every issue.
    case llm
    /// The learned model where it clears its thresholds, the LLM for the rest.
    case cascade
}
