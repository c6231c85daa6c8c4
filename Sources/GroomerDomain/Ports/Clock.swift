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
