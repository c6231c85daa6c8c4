import Foundation
@_spi(Benchmark) import GroomerCore

/// The figures of `bench/growth.sh` that need no server: filling a store with a month of
/// history, pruning it, and the learned triage's cost against the size of the history. Each
/// prints one JSON line for the growth table.
extension GroomerBench {
    /// `fill DATABASE_URL DELIVERIES ISSUES [DAYS]`: a migrated store holding that history, the
    /// deliveries spread over the last DAYS days (default 30).
    static func fill(_ arguments: [String]) async throws {
        guard (3...4).contains(arguments.count), let deliveries = Int(arguments[1]), let issues = Int(arguments[2]),
              let days = arguments.count == 4 ? Double(arguments[3]) : 30 else {
            throw BenchUsage("fill DATABASE_URL DELIVERIES ISSUES [DAYS]")
        }
        let store = try await sqlStore(arguments[0])
        let started = ContinuousClock.now
        try await store.fill(SyntheticHistory(deliveries: deliveries, issues: issues, repository: "Codertocat/Hello-World",
                                              span: days * 86_400, end: Date()))
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let storage = try await store.storage()
        await store.close()
        try emit(["name": "fill", "deliveries": deliveries, "issues": issues, "seconds": seconds,
                  "bytes": storage.bytes, "free_bytes": json(storage.freeBytes)])
    }

    /// `prune DATABASE_URL DAYS`: what the retention frees on a filled store, and whether the
    /// same number of newer deliveries written afterwards reuses that space.
    static func prune(_ arguments: [String]) async throws {
        guard arguments.count == 2, let days = Double(arguments[1]) else { throw BenchUsage("prune DATABASE_URL DAYS") }
        let store = try await sqlStore(arguments[0])
        let before = try await store.storage()
        let started = ContinuousClock.now
        let pruned = try await store.pruneDeliveries(receivedBefore: Date() - days * 86_400)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let after = try await store.storage()
        try await store.fill(SyntheticHistory(deliveries: pruned, issues: 0, repository: "Codertocat/Hello-World",
                                              span: days * 86_400, end: Date(), guidPrefix: "later"))
        let refilled = try await store.storage()
        await store.close()
        try emit(["name": "prune", "days": days, "pruned": pruned, "seconds": seconds, "bytes_before": before.bytes,
                  "bytes_after": after.bytes, "free_after": json(after.freeBytes),
                  "bytes_after_refill": refilled.bytes, "free_after_refill": json(refilled.freeBytes)])
    }

    /// `learn-growth ISSUES [CORPUS]`: one repository's model trained on a history of ISSUES
    /// issues (the corpus's issues in turn, as often as it takes), with the history cap of
    /// `serve` (`learn.max_issues`) lifted to it; the time, the memory it took above the
    /// corpus in memory, and one prediction.
    static func learnGrowth(_ arguments: [String]) throws {
        guard let size = arguments.first.flatMap(Int.init), size > 0 else { throw BenchUsage("learn-growth ISSUES [CORPUS]") }
        let corpus = try Corpus.parse(Data(contentsOf: URL(fileURLWithPath: corpusPath(arguments.dropFirst().first))), source: "corpus")
        let relabelled = Evaluation.relabelled(corpus, ["feature": "enhancement"])
        let history = (0..<size).map { index in
            var issue = relabelled[index % relabelled.count]
            issue.repository = "growth/history"
            issue.number = index + 1
            return issue
        }
        var learning = LearningSettings()
        learning.maxIssues = size
        let evaluation = Evaluation(train: history, test: [], configuration: GroomerConfiguration(), learning: learning, labelMap: [:])
        let baseline = residentMiB("VmRSS")
        let started = ContinuousClock.now
        guard let model = evaluation.trainModels()["growth/history"] else { throw BenchUsage("no model was trained") }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let peak = residentMiB("VmHWM") - baseline
        let predicting = ContinuousClock.now
        let sample = corpus.prefix(500)
        for issue in sample { _ = model.propose(title: issue.title, body: issue.body) }
        let perPrediction = (ContinuousClock.now - predicting) / .microseconds(1) / Double(sample.count)
        let bytes = try JSONEncoder().encode(model).count
        try emit(["name": "learn-growth", "issues": size, "train_seconds": seconds, "peak_mib_above_corpus": peak,
                  "prediction_microseconds": perPrediction, "model_kib": Double(bytes) / 1024])
    }

    static func sqlStore(_ url: String) async throws -> any SQLBackedStore {
        guard let store = try await StoreLocation.parse(url).open() as? any SQLBackedStore else { throw BenchUsage("not an SQL store: \(url)") }
        try await store.migrate()
        return store
    }

    static func corpusPath(_ given: String?) -> String {
        if let given { return given }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/eval/nlbse24-train.csv").path
        return FileManager.default.fileExists(atPath: shared) ? shared : root.appendingPathComponent("fixtures/eval/nlbse24-react-vscode.csv").path
    }

    /// A `/proc/self/status` figure in MiB (`VmRSS` now, `VmHWM` the peak so far).
    static func residentMiB(_ key: String) -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("\(key):") }
        return (line?.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
    }

    /// An optional figure as JSON: the number, or null (PostgreSQL cannot say what is free).
    static func json(_ value: Int64?) -> Any { value.map { $0 as Any } ?? NSNull() }

    static func emit(_ figures: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A benchmark called with the wrong arguments: its usage.
struct BenchUsage: Error, CustomStringConvertible {
    let description: String
    init(_ usage: String) { description = "usage: groomer-bench \(usage)" }
}
