import Foundation
import Logging
import Synchronization

/// Makes refused deliveries visible without flooding the log: each one counts in
/// `groomer_webhook_refused_total{status}`, and a refusal is logged as a warning at most once a
/// minute per hook and status, naming the hook id, the event and why — never the signature.
/// A wrong webhook secret, the likeliest setup mistake, shows up this way.
final class RefusalLog: Sendable {
    private let lastLogged = Mutex<[String: ContinuousClock.Instant]>([:])
    private let interval: Duration

    init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    func refused(status: Int, reason: String, hookID: String?, event: String?, logger: Logger) {
        GroomerMetrics.webhookRefused(status: status)
        let key = "\(hookID ?? "-") \(status)"
        let now = ContinuousClock.now
        let due = lastLogged.withLock { last -> Bool in
            if let previous = last[key], now - previous < interval { return false }
            if last.count > 1_000 { last.removeAll() }  // bounded, whatever hook ids arrive
            last[key] = now
            return true
        }
        guard due else { return }
        var metadata: Logger.Metadata = ["status": "\(status)", "reason": "\(reason)"]
        metadata["hook_id"] = "\(Self.printable(hookID) ?? "none")"
        metadata["event"] = "\(Self.printable(event) ?? "none")"
        let hint = status == 401 ? "; check that GROOMER_WEBHOOK_SECRET is the secret set on the hook" : ""
        logger.warning("webhook delivery refused\(hint) (logged at most once a minute per hook)", metadata: metadata)
    }

    /// A header value as it may be logged: short, printable, or nil.
    private static func printable(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return String(value.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7f }.prefix(100).map(Character.init))
    }
}
