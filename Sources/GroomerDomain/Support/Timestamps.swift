import Foundation

extension Date {
    /// Milliseconds since the Unix epoch: the store's representation of time in every backend.
    public var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(epochMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000) }

    /// RFC 3339 / ISO 8601 in UTC with milliseconds, as every API answer and CLI line prints times.
    public var iso8601: String { UTCTimestamp.string(epochMilliseconds: epochMilliseconds) }

    /// Midnight UTC of a day written `YYYY-MM-DD`, or nil.
    public init?(day text: String) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        guard let date = formatter.date(from: text) else { return nil }
        self = date
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, rounded down to the second: the form GitHub's `since` takes.
    public var iso8601Seconds: String {
        let text = UTCTimestamp.string(epochMilliseconds: Int64((timeIntervalSince1970).rounded(.down)) * 1000)
        return String(text.prefix(19)) + "Z"
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, computed directly (days to civil date, after Howard Hinnant's
/// `civil_from_days`) rather than through a formatter: it is on every delivery's answer.
enum UTCTimestamp {
    static func string(epochMilliseconds: Int64) -> String {
        let (days, dayMilliseconds) = epochMilliseconds.floorDivided(by: 86_400_000)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-")); digits(month, 2); out.append(UInt8(ascii: "-")); digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(dayMilliseconds / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        digits(dayMilliseconds / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(dayMilliseconds / 1_000 % 60, 2); out.append(UInt8(ascii: "."))
        digits(dayMilliseconds % 1_000, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension Int64 {
    /// Quotient rounded toward negative infinity, and the non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}
