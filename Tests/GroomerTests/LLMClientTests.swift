import Foundation
import GroomerCore
import GroomerTesting
import InMemoryLogging
import Logging
import Testing

/// The OpenAI-compatible client over the libcurl transport, against the fake LLM on loopback.
@Suite struct LLMClientTests {
    static let schema: JSONValue = .object([
        "type": .string("object"), "additionalProperties": .bool(false), "required": .array([.string("labels")]),
        "properties": .object(["labels": .object(["type": .string("array"), "items": .object([
            "type": .string("string"), "enum": .array([.string("bug"), .string("enhancement")])])])]),
    ])
    static let request = ChatRequest(system: "You label issues.", user: "Title: crash", schemaName: "labels", schema: schema)

    /// A logger that keeps the clients' retry warnings out of the test output.
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func client(_ fake: FakeLLM, logger: Logger = LLMClientTests.quiet, attempts: Int = 3, timeout: TimeInterval = 5) -> OpenAICompatibleClient {
        OpenAICompatibleClient(baseURL: fake.baseURL, apiKey: fake.apiKey, model: "gpt-test", transport: CurlTransport(),
                               timeout: timeout, maxAttempts: attempts, backoff: 0.05, logger: logger)
    }

    @Test func sendsTheChatCompletionsShapeWithTheSchemaAndItsEnum() async throws {
        try await FakeLLM.with { fake in
            fake.script([.content(#"{"labels":["bug"]}"#, promptTokens: 321, completionTokens: 9)])
            let completion = try await Self.client(fake).complete(Self.request)
            #expect(completion.content["labels"]?[0]?.string == "bug")
            #expect(completion.promptTokens == 321)
            #expect(completion.completionTokens == 9)
            #expect(completion.model == "gpt-test")
            #expect(completion.attempts == 1)
            let sent = try #require(fake.requests.first)
            #expect(FakeLLM.violations(sent).isEmpty, "\(FakeLLM.violations(sent))")
            let body = try JSONValue.parse(sent.body)
            #expect(body["response_format"]?["json_schema"]?["schema"] == Self.schema)
            #expect(body["response_format"]?["json_schema"]?["schema"]?["properties"]?["labels"]?["items"]?["enum"] == .array([.string("bug"), .string("enhancement")]))
            #expect(body["messages"]?[0]?["role"]?.string == "system")
            #expect(body["messages"]?[1]?["content"]?.string == "Title: crash")
            #expect(sent.headers["authorization"] == "Bearer \(fake.apiKey)")
        }
    }

    @Test func a500IsRetriedThenSucceeds() async throws {
        try await FakeLLM.with { fake in
            fake.script([.status(500), .content(#"{"labels":[]}"#)])
            let completion = try await Self.client(fake).complete(Self.request)
            #expect(completion.attempts == 2)
            #expect(fake.callCount == 2)
        }
    }

    @Test func givesUpWithATypedErrorAfterTheBound() async throws {
        try await FakeLLM.with { fake in
            fake.setFallback(.status(503))
            // The server's own error text is kept, for 5xx as for 4xx.
            await #expect(throws: LLMError.exhausted(attempts: 3, lastProblem: "HTTP 503: injected")) {
                try await Self.client(fake).complete(Self.request)
            }
            #expect(fake.callCount == 3)
        }
    }

    @Test func rateLimitsAndUnusableAnswersAreRetried() async throws {
        try await FakeLLM.with { fake in
            fake.script([.status(429), .garbage("<html>proxy error</html>"), .content("not json at all"),
                         .content("```json\n{\"labels\":[\"bug\"]}\n```")])
            let completion = try await Self.client(fake, attempts: 4).complete(Self.request)
            #expect(completion.attempts == 4)
            #expect(completion.content["labels"]?[0]?.string == "bug")
        }
    }

    @Test func malformedJSONPastTheBoundIsExhausted() async throws {
        try await FakeLLM.with { fake in
            fake.setFallback(.content(#"{"labels": ["bug""#))
            await #expect(throws: LLMError.exhausted(attempts: 2, lastProblem: "content is not a JSON object")) {
                try await Self.client(fake, attempts: 2).complete(Self.request)
            }
        }
    }

    @Test func aRefusedRequestIsNotRetried() async throws {
        try await FakeLLM.with { fake in
            let client = OpenAICompatibleClient(baseURL: fake.baseURL, apiKey: "wrong-key", model: "m", transport: CurlTransport(), backoff: 0.01, logger: Self.quiet)
            await #expect(throws: LLMError.rejected(status: 401, message: "Incorrect API key provided")) { try await client.complete(Self.request) }
            #expect(fake.callCount == 1)
        }
    }

    @Test func aHangIsATimeoutThatIsRetried() async throws {
        try await FakeLLM.with { fake in
            fake.script([.hang, .content(#"{"labels":[]}"#)])
            // 3 s per attempt, so the answering second attempt is not itself cut off when every
            // suite runs at once on two cores.
            let completion = try await Self.client(fake, timeout: 3).complete(Self.request)
            #expect(completion.attempts == 2)
        }
    }

    @Test func theAPIKeyNeverReachesLogsOrErrors() async throws {
        try await FakeLLM.with { fake in
            let handler = InMemoryLogHandler()
            var logger = Logger(label: "llm", factory: { _ in handler })
            logger.logLevel = .trace
            fake.script([.status(500), .hang, .garbage("{}")])
            fake.setFallback(.status(502))
            var thrown = ""
            do { _ = try await Self.client(fake, logger: logger, attempts: 4, timeout: 1).complete(Self.request) } catch { thrown = "\(error)" }
            #expect(!thrown.isEmpty)
            #expect(!handler.entries.isEmpty, "the retries were logged")
            for entry in handler.entries {
                let text = "\(entry.message) \(entry.metadata)"
                #expect(!text.contains(fake.apiKey))
                #expect(!text.contains("SECRET-KEY"))
            }
            #expect(!thrown.contains(fake.apiKey))
        }
    }
}
