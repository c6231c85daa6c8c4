import Foundation
@_spi(Benchmark) import GroomerCore
import Hummingbird
import Logging

/// `groomer-bench serve`: the application `groomer serve` runs, built the same way on the same
/// environment, with routes that do part of the webhook's work and nothing else, so the
/// benchmark measures the receiver against its own ceilings in the same process:
///
/// - `POST /ceiling/body` reads the body under the same cap and answers 202;
/// - `POST /ceiling/hmac` also verifies `X-Hub-Signature-256` as the webhook does (401 on a mismatch);
/// - `POST /ceiling/map` also reads the payload and maps it as an `issues` event: everything but the store.
///
/// None of them records anything; `groomer` itself has none of them.
enum CeilingRoutes {
    static func add(to router: Router<BasicRequestContext>, receiver: WebhookReceiver) {
        router.post("/ceiling/body") { request, _ -> Response in
            try await receiver.readBodyOnly(request)
            return Response(status: .accepted)
        }
        router.post("/ceiling/hmac") { request, _ -> Response in
            try await receiver.readSignedBodyOnly(request)
            return Response(status: .accepted)
        }
        router.post("/ceiling/map") { request, _ -> Response in
            try await receiver.mapOnly(request)
            return Response(status: .accepted)
        }
    }

    /// Serves until SIGTERM or SIGINT, on `GROOMER_*` as `groomer serve` reads it; `--port N` wins.
    static func serve(_ arguments: [String]) async throws {
        var environment = ProcessInfo.processInfo.environment
        if let flag = arguments.firstIndex(of: "--port"), arguments.indices.contains(flag + 1) {
            guard let port = Int(arguments[flag + 1]) else { throw BenchUsage("serve [--port N]") }
            environment["GROOMER_PORT"] = String(port)
        }
        let level = environment["GROOMER_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        AllocatorTuning.applyForServer()
        let settings = try Settings(environment: environment)
        let configuration = try settings.configPath.map { try ConfigurationFile.load(path: $0) } ?? GroomerConfiguration()
        try await GroomerApplication.serve(settings: settings, configuration: configuration, logger: Logger(label: "groomer-bench"),
                                           extraRoutes: { router, receiver in add(to: router, receiver: receiver) })
    }
}
