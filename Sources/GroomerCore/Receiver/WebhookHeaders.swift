import HTTPTypes

extension HTTPField.Name {
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
    static let githubEvent = HTTPField.Name("X-GitHub-Event")!
    static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
    static let githubHookID = HTTPField.Name("X-GitHub-Hook-ID")!
}

/// The headers the receiver reads, taken from a request in one pass over its fields.
///
/// `HTTPFields`' subscript walks the fields through a lazy sequence and joins what matches on
/// every lookup, and a delivery needs six. A header sent more than once reads as its values
/// joined by ", ", as the subscript gives it, so a repeated signature is malformed (401).
struct WebhookHeaders {
    var signature: String?
    var contentType: String?
    var contentLength: String?
    var event: String?
    var delivery: String?
    var hookID: String?

    init(_ fields: HTTPFields) {
        for field in fields {
            switch field.name {
            case .hubSignature256: Self.add(field.value, to: &signature)
            case .contentType: Self.add(field.value, to: &contentType)
            case .contentLength: Self.add(field.value, to: &contentLength)
            case .githubEvent: Self.add(field.value, to: &event)
            case .githubDelivery: Self.add(field.value, to: &delivery)
            case .githubHookID: Self.add(field.value, to: &hookID)
            default: continue
            }
        }
    }

    private static func add(_ value: String, to slot: inout String?) {
        slot = slot.map { $0 + ", " + value } ?? value
    }
}
