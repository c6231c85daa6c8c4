import Foundation

/// libFuzzer entry point over the payload scanner and the event mapper (`scripts/fuzz`).
///
/// Beyond "never crash, never hang": whatever the scanner accepts, `JSONSerialization` must
/// accept too, and both must read the same fields (`ScannedFields`); the mapper must map any
/// body, for every event it knows, without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPayload(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    if let scanned = try? PayloadScanner.scan(data) {
        guard let reference = ScannedFields(reference: data) else {
            // JSONSerialization refuses numbers beyond a Double's range (RFC 8259 leaves range to
            // implementations); the scanner accepts them where it does not read them. Any other
            // refusal is a disagreement.
            var refusal = ""
            do { _ = try JSONSerialization.jsonObject(with: data) } catch { refusal = "\(error)" }
            if refusal.contains("not representable") { return 0 }
            fatalError("the scanner accepted a body JSONSerialization refuses (\(refusal)): \(data.prefix(200).map { String(format: "%02x", $0) }.joined())")
        }
        let ours = ScannedFields(scanned)
        if ours != reference {
            fatalError("the scanner and JSONSerialization read different fields:\nscanner   \(ours)\nreference \(reference)")
        }
    }
    let mapper = EventMapper(botLogin: "groomer-bot")
    for event in ["issues", "issue_comment", "ping", "push"] {
        _ = mapper.map(event: event, payload: data, guid: "fuzz", receivedAt: Date(timeIntervalSince1970: 0), hookID: "1")
    }
    return 0
}
