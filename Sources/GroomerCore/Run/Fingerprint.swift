import Foundation

/// A digest of everything the triage reads and decides by (the triage's identity carries the
/// model, prompt or learned model's version), so an unchanged issue costs no LLM call.
enum Fingerprint {
    static func of(title: String, body: String, candidates: [LabelInfo], triage: TriageIdentity, rules: [LabelRule], dryRun: Bool) -> String {
        var text = "title\u{0}\(title)\u{0}body\u{0}\(body)\u{0}triage\u{0}\(triage)\u{0}dry\u{0}\(dryRun)"
        for label in candidates.sorted(by: { $0.name < $1.name }) {
            text += "\u{0}label\u{0}\(label.name)\u{0}\(label.description ?? "")"
        }
        for rule in rules { text += "\u{0}rule\u{0}\(rule.label)\u{0}\(rule.pattern)" }
        return ContentID.sha256(Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
