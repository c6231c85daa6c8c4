import Foundation
import GroomerCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A local OpenAI-compatible chat-completions server whose answers a test scripts, and which
/// records each request so a test can count calls and read the prompt.
public final class FakeLLM: Sendable {
    public enum Answer: Sendable {
        /// A well-formed completion whose message content is `content`.
        case content(String, promptTokens: Int = 120, completionTokens: Int = 30)
        /// An HTTP error.
        case status(Int, body: String = #"{"error":{"message":"injected"}}"#)
        /// A 200 whose body is not a completion.
        case garbage(String)
        /// No answer until the client gives up.
        case hang
        /// A well-formed completion, after a delay.
        case delayed(Duration, content: String)
    }

    public struct State: Sendable {
        public var script: [Answer] = []
        public var fallback: Answer = .content(#"{"labels":[],"summary":"nothing fits"}"#)
        public var requests: [RecordedRequest] = []
        public var forgotten = 0
        /// Every `every`-th request gets `answer` instead, whatever the script says.
        public var periodicFault: (every: Int, answer: Answer)?
        /// The requests that were answered with a completion.
        public var completed: [RecordedRequest] = []
        public var port = 0
    }

    public let state = Mutex(State())
    public let apiKey = "sk-test-SECRET-KEY-0123456789"

    public var baseURL: String { "http://127.0.0.1:\(state.withLock { $0.port })/v1" }
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    public var callCount: Int { state.withLock { $0.requests.count + $0.forgotten } }

    /// Drops the request log and the completed requests, keeping the count (a long scenario
    /// would otherwise measure the fake's memory: each kept request holds its prompt).
    public func forgetRequests() {
        state.withLock {
            $0.forgotten += $0.requests.count
            $0.requests.removeAll(keepingCapacity: false)
            $0.completed.removeAll(keepingCapacity: false)
        }
    }

    /// The next answers, in order; after them, `fallback`.
    public func script(_ answers: [Answer]) { state.withLock { $0.script += answers } }
    public func setFallback(_ answer: Answer) { state.withLock { $0.fallback = answer } }
    /// From now on every `every`-th request is answered with `answer`.
    public func failEvery(_ every: Int, with answer: Answer) { state.withLock { $0.periodicFault = (every, answer) } }
    public var completed: [RecordedRequest] { state.withLock { $0.completed } }

    public static func with<T: Sendable>(_ body: @Sendable (FakeLLM) async throws -> T) async throws -> T {
        let fake = FakeLLM()
        let router = Router(context: ConnectionContext.self)
        router.post("/v1/chat/completions") { request, context in try await fake.respond(request, context: context) }
        return try await FakeServerRunner.run(router) { port in
            fake.state.withLock { $0.port = port }
            return try await body(fake)
        }
    }

    private func respond(_ request: Request, context: ConnectionContext) async throws -> Response {
        let recorded = try await RecordedRequest.capture(request, context: context)
        let headers = recorded.headers
        let answer = state.withLock { state -> Answer in
            state.requests.append(recorded)
            var answer = state.script.isEmpty ? state.fallback : state.script.removeFirst()
            if let fault = state.periodicFault, state.requests.count % fault.every == 0 { answer = fault.answer }
            switch answer {
            case .content, .delayed: state.completed.append(recorded)
            default: break
            }
            return answer
        }
        guard headers["authorization"] == "Bearer \(apiKey)" else {
            return FakeServerRunner.json(.unauthorized, .object(["error": .object(["message": .string("Incorrect API key provided")])]))
        }
        let model = (try? JSONValue.parse(recorded.body))?["model"]?.string ?? "unknown"
        switch answer {
        case .content(let content, let promptTokens, let completionTokens):
            return Self.completion(content, model: model, promptTokens: promptTokens, completionTokens: completionTokens)
        case .status(let code, let text):
            return Response(status: .init(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .garbage(let text):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .hang:
            try await Task.sleep(for: .seconds(3_600))
            return Response(status: .gatewayTimeout)
        case .delayed(let duration, let content):
            try await Task.sleep(for: duration)
            return Self.completion(content, model: model, promptTokens: 100, completionTokens: 20)
        }
    }

    /// OpenAI's chat-completion response.
    public static func completion(_ content: String, model: String, promptTokens: Int, completionTokens: Int) -> Response {
        FakeServerRunner.json(.ok, .object([
            "id": .string("chatcmpl-\(UUID().uuidString.prefix(8))"), "object": .string("chat.completion"),
            "created": .number(Double(Int(Date().timeIntervalSince1970))), "model": .string(model),
            "choices": .array([.object(["index": .number(0), "finish_reason": .string("stop"),
                                        "message": .object(["role": .string("assistant"), "content": .string(content)])])]),
            "usage": .object(["prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                              "total_tokens": .number(Double(promptTokens + completionTokens))]),
        ]))
    }

    /// Every way a recorded request departs from the chat-completions shape groomer must send.
    public static func violations(_ request: RecordedRequest) -> [String] {
        var problems: [String] = []
        guard request.method == "POST", request.path == "/v1/chat/completions" else { return ["\(request.method) \(request.path) is not chat completions"] }
        guard let body = try? JSONValue.parse(request.body) else { return ["body is not JSON"] }
        if body["model"]?.string?.isEmpty != false { problems.append("no model") }
        // `temperature` is optional in the chat-completions request; when sent it is a number from 0 to 2.
        if let temperature = body["temperature"], !(temperature.number.map { (0...2).contains($0) } ?? false) {
            problems.append("temperature is not a number from 0 to 2")
        }
        let messages = body["messages"]?.array ?? []
        if messages.isEmpty || !messages.allSatisfy({ $0["role"]?.string != nil && $0["content"]?.string != nil }) {
            problems.append("messages are not [{role, content}]")
        }
        let format = body["response_format"]
        if format?["type"]?.string != "json_schema" { problems.append("response_format.type is not json_schema") }
        if format?["json_schema"]?["name"]?.string == nil { problems.append("json_schema.name missing") }
        if format?["json_schema"]?["strict"]?.bool != true { problems.append("json_schema.strict is not true") }
        if format?["json_schema"]?["schema"]?.object == nil { problems.append("json_schema.schema is not an object") }
        if request.headers["content-type"]?.hasPrefix("application/json") != true { problems.append("Content-Type is not JSON") }
        return problems
    }
}
