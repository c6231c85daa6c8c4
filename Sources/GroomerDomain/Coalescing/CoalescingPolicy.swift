import Foundation

/// The debounce: a burst of events on one issue becomes one groom.
///
/// A request is due `quiet` after its last event, but never later than `maxWait` after the
/// first event still pending. The store applies the same rule inside its upsert so that
/// concurrent deliveries (and replicas) coalesce atomically; `dueTime` is its reference.
public struct CoalescingPolicy: Sendable, Equatable {
    public var quiet: TimeInterval
    public var maxWait: TimeInterval

    public init(quiet: TimeInterval = 15, maxWait: TimeInterval = 120) {
        self.quiet = quiet
        self.maxWait = maxWait
    }

    /// When a request whose pending events span `firstEvent`…`lastEvent` becomes due.
    public func dueTime(firstEvent: Date, lastEvent: Date) -> Date {
        min(lastEvent + quiet, firstEvent + maxWait)
    }

    public var quietMilliseconds: Int64 { Int64((quiet * 1000).rounded()) }
    public var maxWaitMilliseconds: Int64 { Int64((maxWait * 1000).rounded()) }
}
