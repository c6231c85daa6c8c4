import Foundation
import GroomerCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Micro-benchmarks that print figures: `swift run -c release groomer-bench [transport|hmac|map|store|intake|learn]`;
/// the growth benchmark's steps (`fill`, `prune`, `learn-growth`, see `Growth.swift`); and `serve`, the server with
/// the ceiling routes the load benchmarks measure against (`CeilingRoutes.swift`).
@main
struct GroomerBench {
    static func main() async throws {
        let what = CommandLine.arguments.dropFirst().first ?? "all"
        let rest = Array(CommandLine.arguments.dropFirst(2))
        do {
            switch what {
            case "fill": return try await fill(rest)
            case "prune": return try await prune(rest)
            case "learn-growth": return try learnGrowth(rest)
            case "serve": return try await CeilingRoutes.serve(rest)
            default: break
            }
        } catch let usage as BenchUsage {
            FileHandle.standardError.write(Data("\(usage)\n".utf8))
            exit(64)
        }
        if what == "transport" || what == "all" { try await transport() }
        if what == "hmac" || what == "all" { try hmac() }
        if what == "map" || what == "all" { try map() }
        if what == "store" || what == "all" { try await store() }
        if what == "intake" || what == "all" { try await intake() }
        if what == "learn" || what == "all" { try learn(CommandLine.arguments.dropFirst(2).first) }
    }

    /// The learned triage's cost on a labelled corpus (default: the NLBSE'24 training half beside
    /// the checkout, else the fixture): training every repository's model, one prediction, the
    /// model's size; beside featurising alone, the floor of both.
    static func learn(_ path: String?) throws {
        let file = corpusPath(path)
        let issues = try Corpus.parse(Data(contentsOf: URL(fileURLWithPath: file)), source: file)
        let evaluation = Evaluation(train: issues, test: [], configuration: GroomerConfiguration(), labelMap: ["feature": "enhancement"])
        let featuring = ContinuousClock.now
        _ = issues.map { IssueFeatures(title: $0.title, body: $0.body) }
        let featureSeconds = (ContinuousClock.now - featuring) / .seconds(1)
        let training = ContinuousClock.now
        let models = evaluation.trainModels()
        let trainSeconds = (ContinuousClock.now - training) / .seconds(1)
        var predictions = 0
        var vectorising = Duration.zero, predicting = Duration.zero
        for issue in issues {
            guard let model = models[issue.repository] else { continue }
            let start = ContinuousClock.now
            _ = model.vocabulary.vector(IssueFeatures(title: issue.title, body: issue.body))
            let middle = ContinuousClock.now
            _ = model.propose(title: issue.title, body: issue.body)
            predicting += ContinuousClock.now - middle
            vectorising += middle - start
            predictions += 1
        }
        let sizes = try models.values.map { try JSONEncoder().encode($0).count }
        print(String(format: "learn: %d issues, %d models (%d folds each): trained in %.2f s, featurising alone %.2f s; "
                     + "one prediction %.0f µs (featurise + vectorise alone %.0f µs); largest model %.0f KiB as JSON",
                     issues.count, models.count, LearningSettings().folds, trainSeconds, featureSeconds,
                     predicting / .microseconds(1) / Double(max(1, predictions)), vectorising / .microseconds(1) / Double(max(1, predictions)),
                     Double(sizes.max() ?? 0) / 1024))
    }

    /// CPU per delivery through `WebhookIntake.accept` (map, record, coalesce, commit) without
    /// HTTP: recorded `issues.edited` payloads over 200 issues, a unique GUID each, 32 in flight,
    /// on a SQLite file and on an in-memory SQLite; beside mapping alone.
    static func intake() async throws {
        let template = try String(contentsOfFile: "fixtures/payloads/issues/edited.payload.json", encoding: .utf8)
        let payloads = (1...200).map { number in
            Data(template.replacingOccurrences(of: "\"number\": 1,\n    \"title\"", with: "\"number\": \(number),\n    \"title\"").utf8)
        }
        let mapper = EventMapper(botLogin: "groomer-bot")
        precondition(Set(payloads.map { mapper.map(event: "issues", payload: $0, guid: "g", receivedAt: Date()).issueNumber }).count == 200)
        let total = 40_000
        let mapOnly = try await drive(total) { index in
            _ = mapper.map(event: "issues", payload: payloads[index % 200], guid: "g-\(index)", receivedAt: Date())
        }
        print(String(format: "intake: map only %.1f µs of CPU per delivery", mapOnly.cpuMicroseconds))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("groomer-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for path in [":memory:", directory.appendingPathComponent("intake.sqlite").path] {
            let store = try await SQLiteStore(path: path)
            try await store.migrate()
            let intake = WebhookIntake(store: store, configuration: GroomerConfiguration(), mapper: mapper)
            let logger = Logger(label: "bench")
            let recorded = try await drive(total) { index in
                _ = try await intake.accept(event: "issues", guid: "g-\(index)", hookID: "1", payload: payloads[index % 200], logger: logger)
            }
            print(String(format: "intake: map + record on SQLite %@: %.1f µs of CPU per delivery",
                         path == ":memory:" ? "in memory" : "file (WAL, synchronous=normal)", recorded.cpuMicroseconds))
            await store.close()
        }
    }

    /// Runs `body` for 0..<count, 32 at a time: calls per second, and process CPU microseconds per call.
    static func drive(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws
        -> (perSecond: Double, cpuMicroseconds: Double) {
        let cpuBefore = processCPUSeconds()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 32 { try await group.next() }
                group.addTask { try await body(index) }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return (Double(count) / seconds, (processCPUSeconds() - cpuBefore) / Double(count) * 1e6)
    }

    /// Deliveries per second through the SQLite store alone (record + coalescing upsert, group
    /// commit), 32 at a time, and the process CPU time each costs.
    static func store() async throws {
        let payload = try Data(contentsOf: URL(fileURLWithPath: "fixtures/payloads/issues/edited.payload.json"))
        let mapper = EventMapper(botLogin: "groomer-bot")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("groomer-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for durability in [SQLiteDurability.normal, .full] {
            let store = try await SQLiteStore(path: directory.appendingPathComponent("\(durability).sqlite").path, durability: durability)
            try await store.migrate()
            let total = 20_000
            let mapped = mapper.map(event: "issues", payload: payload, guid: "g", receivedAt: Date())
            let recorded = try await drive(total) { index in
                let delivery = DeliveryRecord(hookID: "1", guid: "bench-\(index)", event: "issues", mapped: mapped, receivedAt: Date())
                _ = try await store.ingest(delivery, effect: mapped.effect, coalescing: CoalescingPolicy())
            }
            print(String(format: "store: SQLite synchronous=%@: %.0f deliveries/s recorded, 32 at a time; %.1f µs of CPU each",
                         durability.rawValue.lowercased(), recorded.perSecond, recorded.cpuMicroseconds))
            await store.close()
        }
    }

    /// User plus system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Microseconds to map one recorded `issues.edited` payload (scan, map, snapshot), beside a
    /// full parse of the same bytes by `JSONSerialization`.
    static func map() throws {
        let payload = try Data(contentsOf: URL(fileURLWithPath: "fixtures/payloads/issues/edited.payload.json"))
        let mapper = EventMapper(botLogin: "groomer-bot")
        let rounds = 20_000
        func best(_ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<5 {
                let started = ContinuousClock.now
                for _ in 0..<rounds { try body() }
                best = min(best, Double((ContinuousClock.now - started) / .nanoseconds(1)) / Double(rounds) / 1000)
            }
            return best
        }
        var queued = 0
        let mapped = best {
            if case .groom = mapper.map(event: "issues", payload: payload, guid: "g", receivedAt: Date()).effect { queued += 1 }
        }
        let parsed = try best { _ = try JSONSerialization.jsonObject(with: payload) }
        print(String(format: "map: %d-byte issues.edited payload mapped in %.1f µs (JSONSerialization parses it in %.1f µs): ratio %.2f",
                     payload.count, mapped, parsed, mapped / parsed))
        precondition(queued > 0)
    }

    /// Requests per second through the libcurl transport to a local HTTP server, and threads used.
    static func transport() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let router = Router()
        router.get("/labels") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"[{"name":"bug"}]"#)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let threadsBefore = threadCount()
            let transport = CurlTransport(maxConnections: 16)
            let url = "http://127.0.0.1:\(port)/labels"
            for concurrency in [1, 16, 64] {
                let total = 20_000
                let started = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { requests in
                    for index in 0..<total {
                        if index >= concurrency { try await requests.next() }
                        requests.addTask { _ = try await transport.send(OutgoingRequest(method: "GET", url: url)) }
                    }
                    try await requests.waitForAll()
                }
                let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                print(String(format: "transport: %5d GETs, %2d in flight: %7.0f requests/s", total, concurrency, Double(total) / seconds))
            }
            print("transport: threads in the process \(threadsBefore) before the transport, \(threadCount()) after (one libcurl thread serves every transfer)")
            transport.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// HMAC-SHA256 of a 25 MiB body: groomer's verifier against `openssl dgst` on the same bytes.
    static func hmac() throws {
        let size = 25 * 1024 * 1024
        let body = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let secrets = WebhookSecrets(["bench-secret"])
        var best = Double.infinity
        var header = ""
        for _ in 0..<5 {
            let started = ContinuousClock.now
            header = secrets.sign(body)
            best = min(best, Double((ContinuousClock.now - started) / .microseconds(1)) / 1000)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("groomer-bench-\(UUID().uuidString)")
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // openssl hashes the file once, then five times in one process: the difference over four is
        // its time for 25 MiB with the process start (tens of milliseconds here, and noisy) taken out.
        let (once, onceHex) = try openssl([file])
        let (fiveTimes, _) = try openssl(Array(repeating: file, count: 5))
        let opensslHashing = max((fiveTimes - once) / 4, 0.001)
        print(String(format: "hmac: 25 MiB in %.1f ms (groomer) vs %.1f ms (openssl dgst: %.1f ms for one file, %.1f ms for five in one process): ratio %.2f; digests %@",
                     best, opensslHashing, once, fiveTimes, best / opensslHashing, header == "sha256=" + onceHex ? "agree" : "DIFFER"))
    }

    /// The best of five `openssl dgst -sha256 -hmac` runs over `files`, in milliseconds, and the
    /// hex digest of the last file.
    static func openssl(_ files: [URL]) throws -> (Double, String) {
        var best = Double.infinity
        var hex = ""
        for _ in 0..<5 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["dgst", "-sha256", "-hmac", "bench-secret"] + files.map(\.path)
            let pipe = Pipe()
            process.standardOutput = pipe
            let started = ContinuousClock.now
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            best = min(best, Double((ContinuousClock.now - started) / .microseconds(1)) / 1000)
            let lastLine = String(decoding: output, as: UTF8.self).split(separator: "\n").last ?? ""
            hex = lastLine.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        }
        return (best, hex)
    }

    static func threadCount() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("Threads:") }.flatMap { Int($0.split(separator: "\t").last ?? "") } ?? 0
    }
}
