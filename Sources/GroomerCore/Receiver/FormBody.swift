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
                guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value) else { return nil }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return out
    }

}
