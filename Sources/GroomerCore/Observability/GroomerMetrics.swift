import Foundation
import Metrics

/// The metrics groomer emits through swift-metrics (exported in Prometheus text at `/metrics`).
/// Names follow Prometheus conventions; dimensions are low-cardinality by design.
public enum GroomerMetrics {
    static func delivery(outcome: String) {
        Counter(label: "groomer_deliveries_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// A delivery answered with a 4xx or 5xx: bad signature, too large, wrong media type, bad headers or payload, store down.
    static func webhookRefused(status: Int) {
        Counter(label: "groomer_webhook_refused_total", dimensions: [("status", String(status))]).increment()
    }

    static func backfillQueued(_ count: Int) {
        Counter(label: "groomer_backfill_queued_total").increment(by: count)
    }

    /// Repositories whose `.github/groomer.yml` is invalid, so the operator's policy applies.
    static func repositoryConfigInvalid(_ count: Int) {
        Gauge(label: "groomer_repository_config_invalid").record(count)
    }

    /// A failed delivery GitHub was asked to send again.
    static func redelivered() {
        Counter(label: "groomer_redeliveries_total").increment()
    }

    static func run(result: RunResult) {
        Counter(label: "groomer_runs_total", dimensions: [("result", result.rawValue)]).increment()
    }

    static func lockBusy() {
        Counter(label: "groomer_run_lock_busy_total").increment()
    }

    static func pendingRequests(_ count: Int) {
        Gauge(label: "groomer_pending_requests").record(count)
    }

    /// How late a request was groomed after it became due.
    static func dueLag(_ seconds: Double) {
        Recorder(label: "groomer_due_lag_seconds", aggregate: true).record(max(0, seconds))
    }

    static func groom(outcome: String) {
        Counter(label: "groomer_grooms_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// A triaged issue, by what decided it, with the LLM calls its triage made: the calls per
    /// issue are `groomer_triage_llm_calls_total` over `groomer_triaged_issues_total`.
    static func triaged(source: String, llmCalls: Int) {
        Counter(label: "groomer_triaged_issues_total", dimensions: [("source", source)]).increment()
        Counter(label: "groomer_triage_llm_calls_total", dimensions: [("source", source)]).increment(by: llmCalls)
    }

    static func llmCall(result: String, latency: Double?, promptTokens: Int?, completionTokens: Int?) {
        Counter(label: "groomer_llm_calls_total", dimensions: [("result", result)]).increment()
        if let latency { Recorder(label: "groomer_llm_latency_seconds", aggregate: true).record(latency) }
        if let promptTokens { Counter(label: "groomer_llm_tokens_total", dimensions: [("kind", "prompt")]).increment(by: promptTokens) }
        if let completionTokens { Counter(label: "groomer_llm_tokens_total", dimensions: [("kind", "completion")]).increment(by: completionTokens) }
    }

    static func githubRequest(operation: String, status: Int) {
        Counter(label: "groomer_github_requests_total", dimensions: [("operation", operation), ("status", String(status))]).increment()
    }

    static func rateLimitRemaining(_ remaining: Int) {
        Gauge(label: "groomer_github_rate_limit_remaining").record(remaining)
    }

    static func labelWrites(_ kind: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "groomer_label_writes_total", dimensions: [("kind", kind)]).increment(by: count)
    }
}
