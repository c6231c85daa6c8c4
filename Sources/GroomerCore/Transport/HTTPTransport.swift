import Foundation

/// An outgoing HTTP request, as bytes and strings; no library types leak out of the transport.
public struct OutgoingRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Whole-transfer limit; the transport's connect timeout applies as well.
    public var timeout: TimeInterval

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil, timeout: TimeInterval = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A response: status, headers (names lower-cased, in order) and body bytes.
public struct IncomingResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}

/// The seam between the clients (GitHub, LLM, replay) and the network.
public protocol HTTPTransport: Sendable {
    func send(_ request: OutgoingRequest) async throws -> IncomingResponse
}
