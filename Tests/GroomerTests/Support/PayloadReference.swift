import Foundation
#if !GROOMER_FUZZ
@testable import GroomerCore
#endif

/// The fields the mapper reads, comparable; built from the scanner or from `JSONSerialization`.
///
/// Strings are compared on their first `PayloadScanner.maximumStringLength` Unicode scalars (an
/// issue body on `EventMapper.maximumBodyLength`): the scanner decodes no more than the mapper keeps.
struct ScannedFields: Equatable {
    var action, senderLogin, senderType, repository, title, body, state, user, updatedAt, labelName, labelDescription: String?
    var installation, hookID, hookObjectID: Int64?
    var number: Int?
    var locked: Bool?
    var labels: [String?]?
    var isPullRequest: Bool?

    init(_ p: WebhookPayload) {
        action = p.action; senderLogin = p.sender?.login; senderType = p.sender?.type; repository = p.repository?.fullName
        installation = p.installation?.id; hookID = p.hookID; hookObjectID = p.hook?.id
        labelName = p.label?.name; labelDescription = p.label?.description
        number = p.issue?.number; title = p.issue?.title; body = p.issue?.body; state = p.issue?.state
        locked = p.issue?.locked; user = p.issue?.user?.login; updatedAt = p.issue?.updatedAt
        labels = p.issue?.labels?.map { Self.label($0.name, $0.description) }
        isPullRequest = p.issue?.isPullRequest
        cutStrings()
    }

    /// The same fields read from `JSONSerialization`'s tree, with the mapper's leniency.
    init?(reference data: Data) {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        func string(_ value: Any?) -> String? { value as? String }
        func object(_ value: Any?) -> [String: Any]? { value as? [String: Any] }
        func integer(_ value: Any?) -> Int64? {
            guard let number = value as? NSNumber, !Self.isBool(number) else { return nil }
            let double = number.doubleValue
            if let exact = Int64(exactly: number.int64Value), Double(exact) == double || number.stringValue == String(exact) {
                return double.isFinite && double.rounded(.towardZero) == double ? exact : nil
            }
            return nil
        }
        func bool(_ value: Any?) -> Bool? { (value as? NSNumber).flatMap { Self.isBool($0) ? $0.boolValue : nil } }
        action = string(root["action"])
        senderLogin = string(object(root["sender"])?["login"]); senderType = string(object(root["sender"])?["type"])
        repository = string(object(root["repository"])?["full_name"])
        installation = object(root["installation"]).flatMap { integer($0["id"]) }
        hookID = integer(root["hook_id"]); hookObjectID = object(root["hook"]).flatMap { integer($0["id"]) }
        labelName = string(object(root["label"])?["name"]); labelDescription = string(object(root["label"])?["description"])
        if let issue = object(root["issue"]) {
            number = integer(issue["number"]).flatMap { Int(exactly: $0) }
            title = string(issue["title"]); body = string(issue["body"]); state = string(issue["state"])
            locked = bool(issue["locked"]); user = string(object(issue["user"])?["login"]); updatedAt = string(issue["updated_at"])
            if let array = issue["labels"] as? [Any] {
                let objects = array.compactMap { $0 as? [String: Any] }
                labels = objects.count == array.count ? objects.map { Self.label(string($0["name"]), string($0["description"])) } : nil
            }
            isPullRequest = issue["pull_request"].map { !($0 is NSNull) } ?? false
        }
        cutStrings()
    }

    /// `JSONSerialization` gives `true` and `false` as NSNumbers of type `c`, numbers as others.
    private static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}

extension ScannedFields {
    private static func label(_ name: String?, _ description: String?) -> String {
        "\(cut(name) ?? "∅")|\(cut(description) ?? "∅")"
    }

    private mutating func cutStrings() {
        let paths: [WritableKeyPath<ScannedFields, String?>] = [
            \.action, \.senderLogin, \.senderType, \.repository, \.title, \.state, \.user, \.updatedAt, \.labelName, \.labelDescription,
        ]
        for path in paths { self[keyPath: path] = Self.cut(self[keyPath: path]) }
        body = Self.cut(body, EventMapper.maximumBodyLength)
    }

    /// The first `limit` Unicode scalars of a string.
    static func cut(_ value: String?, _ limit: Int = PayloadScanner.maximumStringLength) -> String? {
        value.map { String(String.UnicodeScalarView($0.unicodeScalars.prefix(limit))) }
    }
}
