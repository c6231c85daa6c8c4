import Foundation
import Logging

/// An OpenAI-compatible chat-completions client (OpenAI, LiteLLM, vLLM, Ollama): `POST
/// {base}/chat/completions` with a bearer key, `temperature` (0 unless set otherwise, or none) and a strict `json_schema`
/// response format; nothing provider-specific.
public final class OpenAICompatibleClient: LanguageModel {
    public let model: String
    private let endpoint: String
    private let apiKey: String?
    private let transport: any HTTPTransport
    private let timeout: TimeInterval
    private let maxAttempts: Int
    private let backoff: TimeInterval
    private let temperature: Double?
    private let logger: Logger

    /// - Parameters:
    ///   - baseURL: up to `/v1`, for example `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    ///   - maxAttempts: tries in all before `LLMError.exhausted`.
    ///   - backoff: the first wait between tries; doubled each time.
    public init(baseURL: String, apiKey: String?, model: String, transport: any HTTPTransport,
                timeout: TimeInterval = 60, maxAttempts: Int = 3, backoff: TimeInterval = 1, temperature: Double? = 0,
                logger: Logger = Logger(label: "groomer.llm")) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.endpoint = base + "/chat/completions"
        self.apiKey = apiKey
        self.model = model
        self.transport = transport
        self.timeout = timeout
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.temperature = temperature
        self.logger = logger
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        var members: [(String, JSONValue)] = [("model", .string(model))]
        if let temperature { members.append(("temperature", .number(temperature))) }
        members += [
            ("messages", .array([
                .ordered(["role": .string("system"), "content": .string(request.system)]),
                .ordered(["role": .string("user"), "content": .string(request.user)]),
            ])),
            ("response_format", .ordered([
                "type": .string("json_schema"),
                "json_schema": .ordered(["name": .string(request.schemaName), "strict": .bool(true), "schema": request.schema]),
            ])),
        ]
        // Written in order, not sorted: the schema's properties keep the order the answer should follow.
        let body = Data(JSONValue.orderedObject(keys: members.map(\.0), members: Dictionary(uniqueKeysWithValues: members)).orderedText.utf8)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", "application/json"), ("User-Agent", "groomer")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }

        var problem = ""
        let maxAttempts = max(1, min(self.maxAttempts, request.maxAttempts ?? self.maxAttempts))
        for attempt in 1...maxAttempts {
            if attempt > 1 {
                let wait = backoff * pow(2, Double(attempt - 2))
                logger.warning("LLM attempt failed; retrying", metadata: ["attempt": "\(attempt - 1)", "problem": "\(problem)", "wait_s": "\(wait)"])
                try await Task.sleep(for: .seconds(wait))
            }
            let started = ContinuousClock.now
            let response: IncomingResponse
            do {
                response = try await transport.send(OutgoingRequest(method: "POST", url: endpoint, headers: headers, body: body, timeout: timeout))
            } catch let error as TransportError {
                if error == .cancelled { throw CancellationError() }
                problem = "\(error)"
                continue
            }
            let latency = (ContinuousClock.now - started) / .milliseconds(1) / 1000
            switch response.status {
            case 200..<300:
                switch Self.parse(response.body) {
                case .success(var completion):
                    completion.latency = latency
                    completion.attempts = attempt
                    return completion
                case .failure(let unusable):
                    problem = unusable.reason
                }
            case 429, 500...599:
                let message = Self.errorMessage(response.body)
                problem = message.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(message)"
            default:
                throw LLMError.rejected(status: response.status, message: Self.errorMessage(response.body))
            }
        }
        throw LLMError.exhausted(attempts: maxAttempts, lastProblem: problem)
    }

    /// Reads `choices[0].message.content` as JSON, and `usage`.
    static func parse(_ body: Data) -> Result<ChatCompletion, UnusableAnswer> {
        guard let envelope = try? JSONValue.parse(body) else { return .failure(UnusableAnswer(reason: "response body is not JSON")) }
        guard let content = envelope["choices"]?[0]?["message"]?["content"]?.string else {
            return .failure(UnusableAnswer(reason: "response has no choices[0].message.content"))
        }
        guard let parsed = try? JSONValue.parse(Data(unfenced(content).utf8)), parsed.object != nil else {
            return .failure(UnusableAnswer(reason: "content is not a JSON object"))
        }
        return .success(ChatCompletion(
            content: parsed, raw: content, model: envelope["model"]?.string ?? "",
            promptTokens: envelope["usage"]?["prompt_tokens"]?.number.map { Int($0) },
            completionTokens: envelope["usage"]?["completion_tokens"]?.number.map { Int($0) },
            latency: 0, attempts: 0))
    }

    struct UnusableAnswer: Error {
        var reason: String
    }

    /// Some servers wrap JSON in a Markdown code fence even in JSON mode.
    static func unfenced(_ text: String) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count >= 6 else { return trimmed }
        trimmed = String(trimmed.dropFirst(3).dropLast(3))
        if let newline = trimmed.firstIndex(of: "\n") { trimmed = String(trimmed[trimmed.index(after: newline)...]) }
        return trimmed
    }

    private static func errorMessage(_ body: Data) -> String {
        let json = try? JSONValue.parse(body)
        return json?["error"]?["message"]?.string ?? json?["error"]?.string ?? String(decoding: body.prefix(200), as: UTF8.self)
    }
}
