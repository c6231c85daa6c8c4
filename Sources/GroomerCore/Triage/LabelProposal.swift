import Foundation

/// One label the triage proposes, with how sure it is and why (SPEC §5 step 4).
public struct LabelProposal: Sendable, Equatable, Codable {
    public var name: String
    public var confidence: Double
    public var reason: String

    public init(name: String, confidence: Double, reason: String) {
        self.name = name
        self.confidence = confidence
        self.reason = reason
    }
}

/// What the triage concluded about one issue.
public struct TriageResult: Sendable, Equatable, Codable {
    /// `rules` or `llm`.
    public var source: String
    public var proposals: [LabelProposal]
    public var summary: String
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The model's answer as it wrote it, for the audit.
    public var rawOutput: String?
    /// Labels the model named that are not candidates: dropped, counted.
    public var droppedLabels: [String] = []
}

/// The issue text and the labels it may get: what the triage reads.
public struct TriageInput: Sendable {
    public var repository: String
    public var title: String
    public var body: String
    public var candidates: [LabelInfo]
    public var rules: [LabelRule]
}
