import Foundation

/// `application/x-www-form-urlencoded` bodies, as GitHub sends them when a hook's content
/// type is "form": the JSON is the percent-encoded `payload` field.
enum FormBody {
    /// The decoded value of `name`, or nil when the field is absent or badly encoded.
    static func field<Bytes: Collection<UInt8>>(_ name: String, in body: Bytes) -> Data? {
        let key = Array(name.utf8)
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
            guard let decodedKey = percentDecoded(pair[pair.startIndex..<equals]), decodedKey.elementsEqual(key) else { continue }
            return percentDecoded(pair[pair.index(after: equals)...])
        }
        return nil
    }

    private static func percentDecoded<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Data? {
        var out = Data()
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
