#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Checks, before anything else starts, that `serve` can listen where it was told: the host
/// resolves and the port is free. A busy port or an unknown host is then named at once, in
/// plain words, before the store is opened or created.
public enum ListenProbe {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var host: String
        public var port: Int
        public var problem: String
        public var description: String { "cannot listen on \(host):\(port): \(problem)" }
    }

    public static func check(host: String, port: Int) throws(Failure) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &found)
        guard resolved == 0, let address = found else {
            throw Failure(host: host, port: port, problem: resolved == EAI_NONAME || resolved == EAI_AGAIN || resolved == EAI_FAIL
                          ? "unknown host" : String(cString: gai_strerror(resolved)))
        }
        defer { freeaddrinfo(found) }
        let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard socket >= 0 else { throw Failure(host: host, port: port, problem: String(cString: strerror(errno))) }
        defer { close(socket) }
        // As the server itself binds: a port left in TIME_WAIT by a previous run is not busy.
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            let code = errno
            switch code {
            case EADDRINUSE: throw Failure(host: host, port: port, problem: "address already in use")
            case EADDRNOTAVAIL: throw Failure(host: host, port: port, problem: "no such address on this machine")
            case EACCES: throw Failure(host: host, port: port, problem: "permission denied (ports below 1024 need privileges)")
            default: throw Failure(host: host, port: port, problem: String(cString: strerror(code)))
            }
        }
    }
}
