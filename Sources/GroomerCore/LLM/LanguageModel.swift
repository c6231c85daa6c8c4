import Foundation

/// A chat completion request whose answer must follow a JSON schema.
public struct ChatRequest: Sendable, Equatable {
    public var system: String
    public var user: String
    public var schemaName: String
    /// The JSON Schema of the answer; sent as `response_format` (strict).
    public var schema: JSONValue
    /// Tries at most, if fewer than the client's own bound (a groom that is itself a retry tries once).
    public var maxAttempts: Int?

    public init(system: String, user: String, schemaName: String, schema: JSONValue, maxAttempts: Int? = nil) {
        self.system = system
        self.user = user
        self.schemaName = schemaName
        self.schema = schema
        self.maxAttempts = maxAttempts
    }
}

/// The model's answer, parsed, with what it cost.
public struct ChatCompletion: Sendable, Equatable {
    /// `choices[0].message.content` parsed as JSON.
    public var content: JSONValue
    /// The content exactly as the model wrote it (for the audit).
    public var raw: String
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Wall time of the successful attempt.
    public var latency: TimeInterval
    /// Tries it took, the successful one included.
    public var attempts: Int
}

/// Why the model gave no usable answer.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Timeouts, 5xx, 429 or unparsable answers, past the bounded retries.
    case exhausted(attempts: Int, lastProblem: String)
    /// A 4xx other than 429: retrying would not help (bad key, unknown model, bad request).
    case rejected(status: Int, message: String)

    public var description: String {
        switch self {
        case .exhausted(let attempts, let problem): return "LLM gave no usable answer after \(attempts) attempts: \(problem)"
        case .rejected(let status, let message): return "LLM refused the request (HTTP \(status)): \(message)"
        }
    }
}

/// The seam to the model, so the run can be tested with a fake.
public protocol LanguageModel: Sendable {
    /// The model name recorded in the audit and in the fingerprint.
    var model: String { get }
    func complete(_ request: ChatRequest) async throws -> ChatCompletion
}
