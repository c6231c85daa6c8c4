import Foundation

/// What the page shows, read from the store and shaped for its template: plain values only,
/// every one of which the template escapes.
enum PageView {
    /// How far back live precision looks.
    static let precisionWindow: TimeInterval = 90 * 86_400

    static func build(routes: OperatorRoutes, webURL: String, repository: String?, outcome: GroomRecord.Outcome?) async throws -> [String: Any] {
        let store = routes.store
        let review = store.review
        let now = routes.runner.groomer.clock.now()
        async let recent = review.recentGrooms(repository: repository, outcome: outcome, limit: MaintainerPage.rows)
        async let queued = review.queue(limit: MaintainerPage.rows)
        async let known = store.models.knownRepositories()
        async let sweeps = review.lastSweeps()
        let decisions = try await recent.map { decision($0, webURL: webURL) }
        let queue = try await queued.filter { repository == nil || $0.key.repository == repository }.map { request -> [String: Any] in
            ["issue": request.key.description, "url": issueURL(request.key, webURL: webURL), "status": request.status.rawValue,
             "forced": request.forced, "dueAt": MaintainerPage.when(request.dueAt), "attempts": request.attempts,
             "lastError": request.lastError ?? ""]
        }
        let repositories = try await repositoryRows(try await known, sweeps: try await sweeps, routes: routes)
        let live = try await livePrecision(review, repository: repository, now: now)
        let rows = live.labels.map { figures -> [String: Any] in
            ["label": figures.label, "written": figures.written, "removed": figures.removed, "addedByHumans": figures.addedByHumans,
             "precision": figures.precision.map { String(format: "%.0f%%", $0 * 100) } ?? "–"]
        }
        return [
            "filter": present(["repository": repository, "any": repository != nil || outcome != nil]),
            "outcomes": MaintainerPage.outcomes.map { ["value": $0, "selected": $0 == outcome?.rawValue] as [String: Any] },
            "decisions": decisions, "hasDecisions": !decisions.isEmpty,
            "queue": queue, "hasQueue": !queue.isEmpty,
            "repositories": repositories, "hasRepositories": !repositories.isEmpty,
            "precision": rows, "hasPrecision": !rows.isEmpty,
            "chart": WeeklyChart.svg(live.weeks),
        ]
    }

    /// The values that are there: Mustache renders an absent key as nothing and a section over it
    /// not at all, but an `Optional` inside `Any` as the text "nil".
    static func present(_ view: [String: Any?]) -> [String: Any] { view.compactMapValues { $0 } }

    static func issueURL(_ key: IssueKey, webURL: String) -> String {
        "\(webURL)/\(key.repository)/issues/\(key.number)"
    }

    static func decision(_ reviewed: ReviewedGroom, webURL: String) -> [String: Any] {
        let record = reviewed.record
        let proposals = (record.triage?.proposals ?? []).map { proposal -> [String: Any] in
            ["name": proposal.name, "confidence": String(format: "%.2f", proposal.confidence), "reason": proposal.reason]
        }
        var written: [String] = []
        if let plan = record.written {
            let verb = record.outcome == .suggested ? "suggested" : "added"
            written = plan.add.map { "\(verb) \($0)" } + plan.remove.map { "removed \($0)" }
        }
        let planned = record.written == nil && record.plan.map { !$0.isEmpty } == true ? record.plan?.rendered : nil
        let view: [String: Any?] = [
            "when": MaintainerPage.when(record.createdAt), "issue": record.key.description,
            "url": issueURL(record.key, webURL: webURL), "title": reviewed.title ?? "",
            "outcome": record.outcome.rawValue, "dryRun": record.dryRun, "forced": record.forced,
            "reason": record.reason, "proposals": proposals, "summary": record.triage?.summary ?? "",
            "written": written, "planned": planned,
            "notes": record.notes.sorted { $0.key < $1.key }.map { ["label": $0.key, "why": $0.value] },
            "source": record.triage?.source.rawValue ?? "–", "model": record.triage?.model,
        ]
        return present(view)
    }

    static func repositoryRows(_ known: [KnownRepository], sweeps: [String: Date], routes: OperatorRoutes) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        let policies = routes.runner.groomer.policies
        for repository in known.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            let status = policies.status(for: repository.name)
            var model: String?
            if let stored = try await routes.store.models.storedModel(for: repository.name) {
                if let learned = stored.model {
                    let figures = learned.figures
                    let measured = String(format: "macro F1 %.2f, precision %.2f at coverage %.2f", figures.macroF1,
                                          figures.precisionAtThreshold, figures.coverage)
                    model = "\(learned.version)\(learned.borrowed ? " (borrowed)" : ""), \(figures.examples) examples: \(measured) "
                        + "(\(figures.method)), trained \(MaintainerPage.when(stored.trainedAt))"
                } else {
                    model = "too few examples (\(stored.examples)); the rules decide"
                }
            }
            rows.append(present([
                "name": repository.name, "mode": policies.policy(for: repository.name).mode.rawValue,
                "policySource": status.source == .repositoryFile ? ".github/groomer.yml over the operator's" : "the operator's",
                "configError": status.error.map { "\($0)" },
                "ignoredKeys": status.ignoredKeys.isEmpty ? nil : status.ignoredKeys.joined(separator: ", "),
                "model": model,
                "lastSweep": sweeps[repository.name].map(MaintainerPage.when) ?? "never",
            ]))
        }
        return rows
    }

    static func livePrecision(_ review: any ReviewStore, repository: String?, now: Date) async throws -> LivePrecision {
        let since = now.addingTimeInterval(-precisionWindow)
        let mine = { (key: IssueKey) in repository == nil || key.repository.caseInsensitiveCompare(repository!) == .orderedSame }
        async let grooms = review.grooms(since: since, repository: repository, limit: 10_000)
        async let decided = review.labelDecisions(since: since, limit: 50_000)
        let records = try await grooms
        var proposed: [IssueKey: Set<String>] = [:]
        var writes: [LabelWrite] = []
        var groomedAt: [Date] = []
        for record in records {
            if let proposals = record.triage?.proposals { proposed[record.key, default: []].formUnion(proposals.map(\.name)) }
            if record.outcome == .applied, let written = record.written {
                writes += written.add.map { LabelWrite(issue: record.key, label: $0, writtenAt: record.createdAt) }
            }
            if [.applied, .suggested, .dryRun, .noChange].contains(record.outcome) { groomedAt.append(record.createdAt) }
        }
        let decisions = try await decided.filter { mine($0.issue) }
        return LivePrecision.compute(writes: writes, proposed: proposed, decisions: decisions, groomedAt: groomedAt, now: now)
    }
}

/// The weekly grooms-and-corrections chart, as inline SVG drawn from numbers: no library, no script.
enum WeeklyChart {
    static func svg(_ weeks: [LivePrecision.Week]) -> String {
        let width = 720.0, height = 140.0, bottom = 118.0, top = 18.0
        let peak = max(1, weeks.map { max($0.grooms, $0.corrections) }.max() ?? 1)
        let slot = width / Double(max(1, weeks.count))
        let scale = (bottom - top) / Double(peak)
        var parts = [#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="\#(Int(width))" height="\#(Int(height))" aria-label="grooms and corrections per week">"#]
        parts.append(##"<line x1="0" y1="\##(bottom)" x2="\##(width)" y2="\##(bottom)" stroke="#d0d7de"/>"##)
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "MMM d"
        for (index, week) in weeks.enumerated() {
            let x = Double(index) * slot
            let grooms = Double(week.grooms) * scale, corrections = Double(week.corrections) * scale
            let groomBar = String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#8c959f">"##,
                                  x + slot * 0.15, bottom - grooms, slot * 0.35, grooms)
            let correctionBar = String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#cf222e">"##,
                                       x + slot * 0.5, bottom - corrections, slot * 0.35, corrections)
            parts.append(groomBar + "<title>" + Self.count(week.grooms, "groom") + "</title></rect>")
            parts.append(correctionBar + "<title>" + Self.count(week.corrections, "correction") + "</title></rect>")
            // Each count just above its bar; the tallest bar leaves `top` for its number.
            if week.grooms > 0 {
                parts.append(String(format: #"<text x="%.1f" y="%.1f">%d</text>"#, x + slot * 0.15, bottom - grooms - 3, week.grooms))
            }
            if week.corrections > 0 {
                parts.append(String(format: ##"<text x="%.1f" y="%.1f" fill="#cf222e">%d</text>"##, x + slot * 0.5, bottom - corrections - 3, week.corrections))
            }
            parts.append(String(format: #"<text x="%.1f" y="%.1f">"#, x + slot * 0.1, height - 6) + day.string(from: week.start.addingTimeInterval(86_400)) + "</text>")
        }
        parts.append("</svg>")
        return parts.joined()
    }

    /// "1 groom", "3 grooms".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
