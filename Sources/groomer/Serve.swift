import ArgumentParser
import Foundation
import GroomerCore

/// `groomer serve`: the webhook receiver and the scheduler, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service: receive GitHub webhooks and groom issues.",
        discussion: """
            Environment (a flag of the same meaning wins):
              GROOMER_WEBHOOK_SECRET      the hook's secret (required; several,
                                          comma-separated, while rotating)
              GROOMER_DATABASE_URL        sqlite:PATH (default sqlite:groomer.sqlite)
                                          or postgres://…
              GROOMER_CONFIG              the YAML policy file (default: built in)
              GROOMER_HOST, GROOMER_PORT  where to listen (default 127.0.0.1:8080)
              GROOMER_GITHUB_TOKEN        a token; or GROOMER_GITHUB_APP_ID and
                                          GROOMER_GITHUB_APP_PRIVATE_KEY_PATH
              GROOMER_GITHUB_WRITES_PER_HOUR  label writes per installation in
                                          any hour (default 500, GitHub's limit; 0: none)
              GROOMER_BOT_LOGIN           groomer's own login (default: asked of
                                          GitHub at start)
              GROOMER_ADMIN_TOKEN         enables /api and /ui; without it, 404
              GROOMER_LLM_URL, GROOMER_LLM_MODEL, GROOMER_LLM_API_KEY,
              GROOMER_LLM_TEMPERATURE     an OpenAI-compatible LLM (optional)
              GROOMER_TRIAGE              learned, rules, llm or cascade
              GROOMER_LOG_LEVEL, GROOMER_LOG_FORMAT=json
            Without GitHub credentials nothing is read from or written to GitHub: issues are groomed \
            from the deliveries' copies, as dry runs.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (GROOMER_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (GROOMER_PORT, default 8080; 0 picks a free one).")
    var port: Int?

    func validate() throws {
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port: expected 0–65535, got \(port)") }
        if let host, host.isEmpty { throw ValidationError("--host: expected an address or a host name") }
    }

    func run() async throws {
        var environment = common.environment()
        if let host { environment["GROOMER_HOST"] = host }
        if let port { environment["GROOMER_PORT"] = String(port) }
        let logger = CLI.bootstrapLogging()
        AllocatorTuning.applyForServer()
        let settings = try Settings(environment: environment)
        _ = try settings.requireWebhookSecrets()
        try await GroomerApplication.serve(settings: settings, configuration: try CLI.loadConfiguration(settings), logger: logger)
    }
}
