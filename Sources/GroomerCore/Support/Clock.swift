import Foundation

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
public final class ManualClock: GroomerClock, @unchecked Sendable {  // @unchecked: `current` is guarded by `lock`
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    public func set(_ date: Date) { lock.withLock { current = date } }
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
