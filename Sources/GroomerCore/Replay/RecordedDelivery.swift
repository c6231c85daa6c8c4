import Foundation

/// A delivery read from disk for `groomer replay`.
public struct RecordedDelivery: Sendable {
    /// Where it came from: the file, and the position inside it when the file holds several.
    public var source: String
    public var event: String
    public var guid: String
    public var hookID: String
    /// The JSON payload bytes: the file's own bytes, or the record's payload re-serialised.
    public var payload: Data
    /// When GitHub delivered it: a hook-delivery record's `delivered_at`, else the time the
    /// payload's issue or comment last changed; nil when the file says neither.
    public var deliveredAt: Date? = nil
}

/// Reads the two layouts replay understands: payload files laid out as `EVENT/NAME.json`, and
/// GitHub's hook-delivery records (`request.headers` + `request.payload`), alone or in an array.
public enum RecordedDeliveryReader {
    public struct Failure: Sendable, Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public struct Result: Sendable {
        public var deliveries: [RecordedDelivery] = []
        /// Files that cannot be read or parsed as a delivery: replay exits non-zero for these.
        public var failures: [Failure] = []
        /// JSON documents that are not deliveries (JSON Schemas, OpenAPI descriptions).
        public var skipped: [String] = []
    }

    /// Reads every `.json` file under `paths` (files or folders), and orders the deliveries as
    /// GitHub sent them: those that carry no time first, in path order, then the rest by time
    /// (path order among equals) — so an issue is opened before it is commented on or deleted.
    public static func read(paths: [String]) -> Result {
        var result = Result()
        for path in paths {
            for file in jsonFiles(at: path, failures: &result.failures) {
                read(file: file, into: &result)
            }
        }
        result.deliveries = result.deliveries.enumerated()
            .sorted { ($0.element.deliveredAt ?? .distantPast, $0.offset) < ($1.element.deliveredAt ?? .distantPast, $1.offset) }
            .map(\.element)
        return result
    }

    private static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    private static func jsonFiles(at path: String, failures: inout [Failure]) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            failures.append(Failure(path: path, reason: "no such file or folder"))
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            failures.append(Failure(path: path, reason: "cannot list the folder"))
            return []
        }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted().map { "\(base)/\($0)" }
    }

    private static func read(file: String, into result: inout Result) {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            result.failures.append(Failure(path: file, reason: "cannot read the file"))
            return
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            result.failures.append(Failure(path: file, reason: "not valid JSON"))
            return
        }
        if let records = json as? [Any] {
            for (index, element) in records.enumerated() {
                let source = "\(file)[\(index)]"
                guard let record = element as? [String: Any], let delivery = deliveryRecord(record, source: source) else {
                    result.failures.append(Failure(path: source, reason: "not a hook-delivery record (no request.headers and request.payload)"))
                    continue
                }
                result.deliveries.append(delivery)
            }
            return
        }
        guard let object = json as? [String: Any] else {
            result.failures.append(Failure(path: file, reason: "neither a payload object nor a hook-delivery record"))
            return
        }
        if object["$schema"] != nil || object["openapi"] != nil {
            result.skipped.append(file)
            return
        }
        if object["request"] != nil {
            guard let delivery = deliveryRecord(object, source: file) else {
                result.failures.append(Failure(path: file, reason: "hook-delivery record lacks request.headers, request.payload or the event"))
                return
            }
            result.deliveries.append(delivery)
            return
        }
        result.deliveries.append(payloadFile(file, bytes: bytes, object: object))
    }

    /// `EVENT/NAME.json`: the event is the folder's name; the GUID is derived from the bytes,
    /// so replaying the same file into the same store is recognised as a redelivery.
    private static func payloadFile(_ file: String, bytes: Data, object: [String: Any]) -> RecordedDelivery {
        let event = URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent
        let hookID = (object["hook_id"] as? NSNumber).map { "\($0.int64Value)" } ?? ""
        let changed = (object["comment"] as? [String: Any])?["updated_at"] ?? (object["issue"] as? [String: Any])?["updated_at"]
        return RecordedDelivery(source: file, event: event, guid: ContentID.uuid(of: bytes, salt: event),
                                hookID: hookID, payload: bytes, deliveredAt: date(changed))
    }

    private static func deliveryRecord(_ record: [String: Any], source: String) -> RecordedDelivery? {
        guard let request = record["request"] as? [String: Any], let rawPayload = request["payload"] else { return nil }
        var headers: [String: String] = [:]
        for (name, value) in request["headers"] as? [String: Any] ?? [:] {
            headers[name.lowercased()] = (value as? String) ?? (value as? NSNumber)?.stringValue
        }
        let payload: Data
        if let text = rawPayload as? String {
            payload = Data(text.utf8)
        } else if JSONSerialization.isValidJSONObject(rawPayload),
                  let data = try? JSONSerialization.data(withJSONObject: rawPayload, options: [.withoutEscapingSlashes]) {
            payload = data
        } else {
            return nil
        }
        guard let event = headers["x-github-event"] ?? record["event"] as? String else { return nil }
        let guid = headers["x-github-delivery"] ?? record["guid"] as? String ?? ContentID.uuid(of: payload, salt: event)
        let hookID = headers["x-github-hook-id"] ?? ""
        return RecordedDelivery(source: source, event: event, guid: guid, hookID: hookID, payload: payload,
                                deliveredAt: date(record["delivered_at"]))
    }
}
