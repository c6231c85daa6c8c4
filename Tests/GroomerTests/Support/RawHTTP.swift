import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 as raw bytes over a loopback socket, for what a well-behaved client will not send:
/// bare CR or LF in headers, repeated or oversized headers, lying Content-Lengths, bodies that
/// trickle. Blocking socket calls run on their own thread, never on the cooperative pool.
enum RawHTTP {
    /// What came back: the status (nil when the server closed without answering) and the text.
    struct Answer: Sendable {
        var status: Int?
        var text: String
        /// How long the exchange took, from connect to close.
        var seconds: Double
    }

    /// Sends `parts` in order, pausing `pause` between them, then reads until the server closes
    /// the connection or `timeout` passes.
    static func exchange(port: Int, _ parts: [[UInt8]], pause: Duration = .zero, timeout: TimeInterval = 10) async -> Answer {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingExchange(port: port, parts, pause: pause, timeout: timeout))
            }
        }
    }

    /// A request with the given head lines (no trailing CRLF needed) and body.
    static func request(_ head: [String], body: [UInt8] = []) -> [UInt8] {
        Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    private static func blockingExchange(port: Int, _ parts: [[UInt8]], pause: Duration, timeout: TimeInterval) -> Answer {
        let started = Date()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Answer(status: nil, text: "socket failed", seconds: 0) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Answer(status: nil, text: "connect failed", seconds: 0) }
        var receiveTimeout = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receiveTimeout, socklen_t(MemoryLayout<timeval>.size))
        for (index, part) in parts.enumerated() {
            if index > 0, pause > .zero { Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18) }
            var offset = 0
            while offset < part.count {
                let sent = part[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { break }
                offset += sent
            }
            if offset < part.count { break }  // the server closed the connection; read what it said
        }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date().timeIntervalSince(started) < timeout + 1 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
            if let text = String(bytes: received, encoding: .utf8), complete(text) { break }
        }
        let text = String(decoding: received, as: UTF8.self)
        let status = text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil
        return Answer(status: status, text: text, seconds: Date().timeIntervalSince(started))
    }

    /// A whole response with a Content-Length body has arrived.
    private static func complete(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }
}
