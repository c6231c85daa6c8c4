import Foundation

/// How the GitHub client reacts to 403/429 and 5xx: `retry-after` first, then
/// `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, else exponential backoff; bounded.
public struct RateLimitPolicy: Sendable {
    /// The first backoff when GitHub gives no hint (GitHub asks for at least a minute).
    public var initialBackoff: TimeInterval = 60
    /// Tries in all, the first included.
    public var maxAttempts: Int = 4
    /// A wait longer than this is not slept through: the request fails as rate limited, to be retried later.
    public var maxWait: TimeInterval = 15 * 60

    public init(initialBackoff: TimeInterval = 60, maxAttempts: Int = 4, maxWait: TimeInterval = 15 * 60) {
        self.initialBackoff = initialBackoff
        self.maxAttempts = maxAttempts
        self.maxWait = maxWait
    }

    /// What to do after a response.
    public enum Decision: Equatable, Sendable {
        case accept
        case retry(after: TimeInterval)
        case giveUp(GitHubError)
    }

    /// - Parameter attempt: 1 for the first try.
    public func decide(status: Int, headers: (String) -> String?, body: Data, attempt: Int, now: Date) -> Decision {
        let rateLimited = status == 429 || (status == 403 && Self.isRateLimit403(headers: headers, body: body))
        let serverError = (500...599).contains(status)
        guard rateLimited || serverError else { return .accept }

        var wait = initialBackoff * pow(2, Double(attempt - 1))
        var resetAt: Date?
        if let retryAfter = headers("retry-after").flatMap({ TimeInterval($0.trimmingCharacters(in: .whitespaces)) }) {
            wait = max(0, retryAfter)
            resetAt = now + wait
        } else if rateLimited, headers("x-ratelimit-remaining") == "0",
                  let reset = headers("x-ratelimit-reset").flatMap({ TimeInterval($0) }) {
            resetAt = Date(timeIntervalSince1970: reset)
            wait = max(0, reset - now.timeIntervalSince1970) + 1
        }
        guard attempt < maxAttempts else {
            return .giveUp(rateLimited ? .rateLimited(retryAt: resetAt ?? now + wait) : .server(status: status))
        }
        guard wait <= maxWait else { return .giveUp(.rateLimited(retryAt: resetAt ?? now + wait)) }
        return .retry(after: wait)
    }

    /// A 403 is a rate limit when GitHub says so in its headers or message; otherwise a permission problem.
    static func isRateLimit403(headers: (String) -> String?, body: Data) -> Bool {
        if headers("retry-after") != nil || headers("x-ratelimit-remaining") == "0" { return true }
        let message = String(decoding: body.prefix(2_000), as: UTF8.self).lowercased()
        return message.contains("rate limit")
    }
}
