import Foundation

/// Reads a webhook payload in one pass: validates the whole body as JSON and keeps only the
/// fields of `WebhookPayload`, without building the rest of the document.
///
/// Strict where RFC 8259 is strict: UTF-8 only (a leading byte-order mark is skipped), no
/// trailing commas, no raw control characters or invalid escapes in strings, no lone
/// surrogates, nothing after the top-level value, and at most `maximumDepth` levels of nesting.
/// Lenient where the mapper is: a field that is missing or of another type becomes nil. When a
/// key repeats, the last one wins. An integer field takes any JSON number that is a whole
/// number in range (`1.0` and `1e2` included, as `JSONDecoder` does). A number beyond a
/// `Double`'s range is valid JSON (RFC 8259 leaves range to implementations) and is accepted
/// where it is not read; where an integer is read it is of the wrong type.
enum PayloadScanner {
    enum Failure: Error, Equatable {
        /// The body is not JSON.
        case notJSON
        /// The body is JSON but not an object.
        case notAnObject
    }

    /// Deeper nesting is refused, as `JSONDecoder` refuses it.
    static let maximumDepth = 512

    /// Strings the mapper reads are decoded up to this many characters (an issue body up to
    /// GitHub's 65,536): logins, label and repository names are far shorter on GitHub.
    static let maximumStringLength = 1_024

    static func scan(_ data: Data) throws(Failure) -> WebhookPayload {
        let result: Result<WebhookPayload, Failure> = data.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            return Result { () throws(Failure) -> WebhookPayload in try reader.payload() }
        }
        return try result.get()
    }
}

/// A cursor over the body's bytes. Every read consumes one whole value, valid or not used.
private struct JSONReader {
    typealias Failure = PayloadScanner.Failure
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    // MARK: The payload's shape

    mutating func payload() throws(Failure) -> WebhookPayload {
        skipWhitespace()
        guard let first = peek() else { throw .notJSON }
        guard first == UInt8(ascii: "{") else {
            try skipValue()
            try end()
            throw .notAnObject
        }
        var payload = WebhookPayload()
        try members { (reader, key) throws(Failure) in
            switch key {
            case "action": payload.action = try reader.string()
            case "sender": payload.sender = try reader.account()
            case "repository":
                payload.repository = try reader.object { (reader, key, value: inout WebhookPayload.Repository) throws(Failure) in
                    if key == "full_name" { value.fullName = try reader.string() } else { try reader.skipValue() }
                }
            case "installation": payload.installation = try reader.identified()
            case "issue": payload.issue = try reader.issue()
            case "label": payload.label = try reader.label()
            case "hook_id": payload.hookID = try reader.integer()
            case "hook": payload.hook = try reader.identified()
            default: try reader.skipValue()
            }
        }
        try end()
        return payload
    }

    private mutating func account() throws(Failure) -> WebhookPayload.Account? {
        try object { (reader, key, value: inout WebhookPayload.Account) throws(Failure) in
            switch key {
            case "login": value.login = try reader.string()
            case "type": value.type = try reader.string()
            default: try reader.skipValue()
            }
        }
    }

    private mutating func identified() throws(Failure) -> WebhookPayload.Identified? {
        try object { (reader, key, value: inout WebhookPayload.Identified) throws(Failure) in
            if key == "id" { value.id = try reader.integer() } else { try reader.skipValue() }
        }
    }

    private mutating func label() throws(Failure) -> WebhookPayload.LabelPayload? {
        try object { (reader, key, value: inout WebhookPayload.LabelPayload) throws(Failure) in
            switch key {
            case "name": value.name = try reader.string()
            case "description": value.description = try reader.string()
            default: try reader.skipValue()
            }
        }
    }

    private mutating func issue() throws(Failure) -> WebhookPayload.IssuePayload? {
        try object { (reader, key, value: inout WebhookPayload.IssuePayload) throws(Failure) in
            switch key {
            case "number": value.number = try reader.integer().flatMap { Int(exactly: $0) }
            case "title": value.title = try reader.string()
            case "body": value.body = try reader.string(limit: EventMapper.maximumBodyLength)
            case "state": value.state = try reader.string()
            case "locked": value.locked = try reader.bool()
            case "labels": value.labels = try reader.labels()
            case "user": value.user = try reader.account()
            case "updated_at": value.updatedAt = try reader.string()
            case "pull_request":
                // Present and not null means the "issue" is a pull request.
                value.isPullRequest = !(try reader.null())
            default: try reader.skipValue()
            }
        }
    }

    /// An array of labels; nil when it is not an array or holds anything but objects.
    private mutating func labels() throws(Failure) -> [WebhookPayload.LabelPayload]? {
        guard peek() == UInt8(ascii: "[") else {
            try skipValue()
            return nil
        }
        var labels: [WebhookPayload.LabelPayload]? = []
        try elements { (reader) throws(Failure) in
            if let label = try reader.label() { labels?.append(label) } else { labels = nil }
        }
        return labels
    }

    // MARK: Lenient typed reads

    /// Reads an object's members into a fresh `Value`; nil (after skipping) when the value is not an object.
    private mutating func object<Value: EmptyInitializable>(
        _ member: (inout JSONReader, Key, inout Value) throws(Failure) -> Void
    ) throws(Failure) -> Value? {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue()
            return nil
        }
        var value = Value()
        try members { (reader, key) throws(Failure) in try member(&reader, key, &value) }
        return value
    }

    /// A string value, decoded up to about `limit` characters (at least `limit` Unicode scalars
    /// when there are that many): the mapper keeps no more, and a signed 25 MiB title must not
    /// become a second copy of the body.
    private mutating func string(limit: Int = PayloadScanner.maximumStringLength) throws(Failure) -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        return try stringToken().decoded(in: bytes, maximumScalars: limit)
    }

    private mutating func integer() throws(Failure) -> Int64? {
        guard let first = peek(), first == UInt8(ascii: "-") || Self.isDigit(first) else {
            try skipValue()
            return nil
        }
        let start = index
        let integral = try number()
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        if integral {
            return Int64(String(decoding: text, as: UTF8.self))
        }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.isFinite else { return nil }
        return Int64(exactly: double.rounded(.towardZero)).flatMap { double == Double($0) ? $0 : nil }
    }

    private mutating func bool() throws(Failure) -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            try skipValue()
            return nil
        }
    }

    /// True when the value is `null`; any other value is skipped.
    private mutating func null() throws(Failure) -> Bool {
        if peek() == UInt8(ascii: "n") {
            try literal("null")
            return true
        }
        try skipValue()
        return false
    }

    // MARK: Grammar

    /// Calls `member` with the reader at each member's value, which it must consume.
    private mutating func members(_ member: (inout JSONReader, Key) throws(Failure) -> Void) throws(Failure) {
        try enter(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw .notJSON }
            let key = Key(token: try stringToken(), bytes: bytes)
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw .notJSON }
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"):
                depth -= 1
                return
            default: throw .notJSON
            }
        }
    }

    /// Calls `element` with the reader at each element, which it must consume.
    private mutating func elements(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try enter(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"):
                depth -= 1
                return
            default: throw .notJSON
            }
        }
    }

    private mutating func enter(_ opening: UInt8) throws(Failure) {
        guard next() == opening else { throw .notJSON }
        depth += 1
        guard depth <= PayloadScanner.maximumDepth else { throw .notJSON }
    }

    mutating func skipValue() throws(Failure) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"): try members { (reader, _) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "["): try elements { (reader) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try stringToken()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case let byte? where byte == UInt8(ascii: "-") || Self.isDigit(byte): _ = try number()
        default: throw .notJSON
        }
    }

    /// Only whitespace may follow the top-level value.
    private mutating func end() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw .notJSON }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else { throw .notJSON }
        index += count
    }

    /// Consumes a number; true when it has neither fraction nor exponent.
    private mutating func number() throws(Failure) -> Bool {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = next(), Self.isDigit(first) else { throw .notJSON }
        if first != UInt8(ascii: "0") { skipDigits() }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), Self.isDigit(digit) else { throw .notJSON }
            skipDigits()
            integral = false
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), Self.isDigit(digit) else { throw .notJSON }
            skipDigits()
            integral = false
        }
        return integral
    }

    /// Consumes a string, validating its UTF-8 and escapes; returns where its contents lie.
    private mutating func stringToken() throws(Failure) -> StringToken {
        index += 1  // the opening quote
        let start = index
        var escaped = false
        while index < bytes.count {
            // Eight bytes at a time: past plain ASCII, straight to the first byte that needs a look.
            while bytes.count - index >= 8 {
                let attention = Self.attentionMask(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                guard attention == 0 else {
                    index += attention.trailingZeroBitCount / 8
                    break
                }
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let token = StringToken(range: start..<index, escaped: escaped)
                index += 1
                return token
            case UInt8(ascii: "\\"):
                escaped = true
                try skipEscape()
            case 0..<0x20:
                throw .notJSON
            case 0x20..<0x80:
                index += 1
            default:
                try skipUTF8Sequence()
            }
        }
        throw .notJSON
    }

    private mutating func skipEscape() throws(Failure) {
        index += 1
        guard let byte = next() else { throw .notJSON }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            let unit = try hexQuad()
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low one.
                guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u"), case 0xDC00...0xDFFF = try hexQuad() else { throw .notJSON }
            case 0xDC00...0xDFFF:
                throw .notJSON
            default:
                return
            }
        default:
            throw .notJSON
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt16 {
        guard bytes.count - index >= 4 else { throw .notJSON }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = HexDigit.value(bytes[index]) else { throw .notJSON }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// One multi-byte UTF-8 sequence: no overlong forms, no surrogates, nothing past U+10FFFF.
    private mutating func skipUTF8Sequence() throws(Failure) {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw .notJSON
        }
        guard bytes.count - index >= length else { throw .notJSON }
        let second = bytes[index + 1]
        guard second >= lower && second <= upper else { throw .notJSON }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { throw .notJSON }
        index += length
    }

    private mutating func skipDigits() {
        while let byte = peek(), Self.isDigit(byte) { index += 1 }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    /// Whether any of eight string bytes is a quote, a backslash, a control character or not
    /// ASCII (the usual SWAR tests for a zero byte and for a byte below a bound).
    /// The high bit of each byte of `word` (little-endian) that is a quote, a backslash, a
    /// control character or not ASCII. Bytes above the lowest flagged one may be flagged in
    /// error (a borrow carries), but the lowest flagged byte always needs attention.
    private static func attentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let belowSpace = (word &- ones &* 0x20) & ~word & highs
        return belowSpace | word & highs | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

}

/// Where a validated string's contents lie in the body, and whether they hold escapes.
private struct StringToken {
    var range: Range<Int>
    var escaped: Bool

    /// The string's value, or when `maximumScalars` is given a prefix holding at least that many
    /// Unicode scalars (each is at most four UTF-8 bytes). Only called on tokens `stringToken()` validated.
    func decoded(in bytes: UnsafeRawBufferPointer, maximumScalars: Int = .max) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        let outputLimit = maximumScalars >= Int.max / 4 ? Int.max : maximumScalars * 4
        guard escaped else {
            guard raw.count > outputLimit else { return String(decoding: raw, as: UTF8.self) }
            var end = outputLimit
            while end > 0 && raw[end] & 0xC0 == 0x80 { end -= 1 }  // back to the start of a scalar
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[..<end]), as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(min(raw.count, outputLimit))
        var i = 0
        func quad(_ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for k in at..<at + 4 {
                let c = raw[k]
                let digit: UInt8 = c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while i < raw.count {
            let byte = raw[i]
            if out.count >= outputLimit && byte & 0xC0 != 0x80 { break }  // stop between scalars
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let kind = raw[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = quad(i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = quad(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: out.append(kind)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An object key, compared against the names the payload cares about without allocating.
private struct Key {
    var token: StringToken
    var bytes: UnsafeRawBufferPointer

    static func ~= (name: StaticString, key: Key) -> Bool {
        if key.token.escaped { return key.token.decoded(in: key.bytes) == name.description }
        let count = name.utf8CodeUnitCount
        return key.token.range.count == count && memcmp(key.bytes.baseAddress! + key.token.range.lowerBound, name.utf8Start, count) == 0
    }

    static func == (key: Key, name: StaticString) -> Bool { name ~= key }
}

/// The payload's parts start empty and fill as their members are read.
private protocol EmptyInitializable { init() }
extension WebhookPayload.Account: EmptyInitializable {}
extension WebhookPayload.Repository: EmptyInitializable {}
extension WebhookPayload.Identified: EmptyInitializable {}
extension WebhookPayload.LabelPayload: EmptyInitializable {}
extension WebhookPayload.IssuePayload: EmptyInitializable {}
