import Foundation
import GroomerCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A request context that knows which TCP connection a request came on.
public struct ConnectionContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let connection: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = ObjectIdentifier(source.channel)
    }
}

/// What a fake server saw: one request.
public struct RecordedRequest: Sendable {
    public var method: String
    /// The raw (still percent-encoded) path.
    public var path: String
    public var query: String?
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data
    public var connection: ObjectIdentifier
    public var at: ContinuousClock.Instant

    public init(method: String, path: String, query: String?, headers: [String: String], body: Data, connection: ObjectIdentifier,
                at: ContinuousClock.Instant) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.connection = connection
        self.at = at
    }

    /// Reads the whole request and notes its connection.
    public static func capture(_ request: Request, context: ConnectionContext) async throws -> RecordedRequest {
        let body = try await request.body.collect(upTo: 1 << 24)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        return RecordedRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers,
                               body: Data(buffer: body), connection: context.connection, at: .now)
    }

    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            items[parts[0]] = parts.count > 1 ? parts[1].removingPercentEncoding ?? parts[1] : ""
        }
        return items
    }
}

/// Runs a Hummingbird router on a loopback port for the duration of `body`.
public enum FakeServerRunner {
    /// Serves `router` on a free loopback port for the duration of `body`, which gets the port.
    public static func run<T: Sendable>(_ router: Router<ConnectionContext>, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        var logger = Logger(label: "fake")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result: Result<T, any Error>
            do { result = .success(try await body(port)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            try? await tasks.waitForAll()
            return try result.get()
        }
    }

    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.description)))
    }
}

/// A scripted failure a fake serves instead of its normal answer.
public enum Fault: Sendable {
    /// Answer with this status, headers and body.
    case status(Int, headers: [(String, String)] = [], body: String = #"{"message":"injected"}"#)
    /// Answer normally, after a delay.
    case delay(Duration)
    /// Never answer (until the client gives up).
    case hang
}

public struct FaultRule: Sendable {
    public var method: String?
    public var pathContains: String?
    public var remaining: Int
    public var fault: Fault

    public func matches(_ method: String, _ path: String) -> Bool {
        (self.method == nil || self.method == method) && (pathContains.map { path.contains($0) } ?? true)
    }
}
