import Foundation
import Logging

/// `groomer replay`: sends recorded deliveries through the pipeline.
public struct Replayer: Sendable {
    /// What one delivery became, as replay prints it.
    public struct Line: Sendable, Equatable, Encodable {
        public var source: String
        public var event: String
        public var action: String?
        /// queued, duplicate, ignored, cancelled, label_decision, pong, rejected, or failed (not delivered).
        public var outcome: String
        public var detail: String

        public var rendered: String {
            let what = action.map { "\(event).\($0)" } ?? event
            return "\(source)  \(what)  \(outcome)\(detail.isEmpty ? "" : ": \(detail)")"
        }
    }

    /// In-process: through `WebhookIntake`, as a verified delivery.
    public static func replay(_ deliveries: [RecordedDelivery], through intake: WebhookIntake, logger: Logger) async -> [Line] {
        var lines: [Line] = []
        for delivery in deliveries {
            do {
                let outcome = try await intake.accept(event: delivery.event, guid: delivery.guid, hookID: delivery.hookID,
                                                      payload: delivery.payload, logger: logger)
                lines.append(line(for: delivery, outcome: outcome))
            } catch {
                lines.append(Line(source: delivery.source, event: delivery.event, action: nil, outcome: "failed",
                                  detail: "store could not record it: \(error)"))
            }
        }
        return lines
    }

    /// Remote: signs each payload with `secrets` and POSTs it to `url`, as GitHub would.
    public static func replay(_ deliveries: [RecordedDelivery], to url: String, secrets: WebhookSecrets,
                              transport: any HTTPTransport) async -> [Line] {
        var lines: [Line] = []
        for delivery in deliveries {
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/json"),
                ("User-Agent", "GitHub-Hookshot/groomer-replay"),
                ("X-GitHub-Event", delivery.event),
                ("X-GitHub-Delivery", delivery.guid),
                ("X-Hub-Signature-256", secrets.sign(delivery.payload)),
            ]
            if !delivery.hookID.isEmpty { headers.append(("X-GitHub-Hook-ID", delivery.hookID)) }
            let action = (try? JSONSerialization.jsonObject(with: delivery.payload) as? [String: Any])?["action"] as? String
            do {
                let response = try await transport.send(OutgoingRequest(method: "POST", url: url, headers: headers, body: delivery.payload))
                lines.append(Line(source: delivery.source, event: delivery.event, action: action,
                                  outcome: remoteOutcome(response), detail: "HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))"))
            } catch {
                lines.append(Line(source: delivery.source, event: delivery.event, action: action, outcome: "failed", detail: "\(error)"))
            }
        }
        return lines
    }

    private static func remoteOutcome(_ response: IncomingResponse) -> String {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        switch response.status {
        case 202: return "queued"
        case 200:
            if object["duplicate"] != nil { return "duplicate" }
            if object["pong"] != nil { return "pong" }
            if object["cancelled"] != nil { return "cancelled" }
            if object["label"] != nil { return "label_decision" }
            return "ignored"
        case 400..<500: return "rejected"
        default: return "failed"
        }
    }

    static func line(for delivery: RecordedDelivery, outcome: WebhookIntake.Outcome) -> Line {
        let record = outcome.delivery
        var line = Line(source: delivery.source, event: delivery.event, action: record.action, outcome: "", detail: "")
        switch outcome.result {
        case .duplicate:
            line.outcome = "duplicate"
            line.detail = "delivery \(delivery.guid) was recorded before"
        case .recorded(let kind, let request):
            line.outcome = kind.rawValue
            switch outcome.effect {
            case .groom(let key, _, _):
                // Replay grooms at once; what a live server would wait is the quiet period after the last event.
                let due = request.map { request in
                    let wait = Int(request.dueAt.timeIntervalSince(request.lastEventAt).rounded())
                    return " due \(wait) s after its last event (\(request.events) event\(request.events == 1 ? "" : "s") coalesced)"
                } ?? ""
                line.detail = "\(key)\(due)"
            case .cancel(let key, let reason):
                line.detail = "\(key) \(reason); " + (request == nil ? "nothing was pending" : "pending request cancelled")
            case .labelDecision(let d): line.detail = "\(d.issue) \(d.label) \(d.change.rawValue) by \(d.actor)"
            case .ping(let hookID): line.detail = "hook \(hookID)"
            case .ignore(let reason), .reject(let reason): line.detail = reason
            }
        }
        return line
    }

    /// "N deliveries: 3 queued, 2 ignored, …" in a fixed order.
    public static func summary(_ lines: [Line]) -> String {
        let order = ["queued", "duplicate", "ignored", "cancelled", "label_decision", "pong", "rejected", "failed"]
        var counts: [String: Int] = [:]
        for line in lines { counts[line.outcome, default: 0] += 1 }
        let parts = order.compactMap { key in counts[key].map { "\($0) \(key.replacingOccurrences(of: "_", with: " "))" } }
        return "\(lines.count) deliver\(lines.count == 1 ? "y" : "ies")" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }
}
