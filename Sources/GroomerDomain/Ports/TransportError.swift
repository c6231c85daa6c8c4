import Foundation

/// Why a request got no HTTP response at all.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut
    case cannotConnect(String)
    case failed(String)
    case cancelled

    public var description: String {
        switch self {
        case .timedOut: return "timed out"
        case .cannotConnect(let why): return "cannot connect: \(why)"
        case .failed(let why): return "transfer failed: \(why)"
        case .cancelled: return "cancelled"
        }
    }
}
