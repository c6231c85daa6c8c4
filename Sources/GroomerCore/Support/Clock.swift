import Foundation
import Synchronization

/// The source of "now" for everything that stamps or schedules: injected so tests control time.
public protocol GroomerClock: Sendable {
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: GroomerClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; for tests and deterministic replays.
public final class ManualClock: GroomerClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}

extension Date {
    /// Milliseconds since the Unix epoch: the store's representation of time in every backend.
    var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(epochMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000) }

    /// RFC 3339 / ISO 8601 in UTC with milliseconds, as every API answer and CLI line prints times.
    public var iso8601: String { ISO8601Formats.withFractionalSeconds.string(from: self) }
}

enum ISO8601Formats {
    nonisolated(unsafe) static let withFractionalSeconds: ISO8601DateFormatter = {  // formatting is thread-safe
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
