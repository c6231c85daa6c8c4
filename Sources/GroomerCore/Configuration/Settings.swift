import Foundation

/// Secrets and endpoints from the environment (README, "Configuration"). Command-line flags override these
/// by writing into the same dictionary before `init` reads it.
public struct Settings: Sendable {
    public var webhookSecrets: WebhookSecrets?
    public var store: StoreLocation
    public var configPath: String?
    public var host: String
    public var port: Int
    public var adminToken: String?
    public var githubAPIURL: String
    public var githubToken: String?
    public var githubAppID: String?
    public var githubAppPrivateKeyPath: String?
    /// `GROOMER_GITHUB_WRITES_PER_HOUR`: label writes per installation in any hour (GitHub's
    /// secondary limit, 500); nil (`0`) for none, as on an Enterprise Server without limits.
    public var githubWritesPerHour: Int?
    public var botLogin: String?
    public var llmURL: String?
    public var llmAPIKey: String?
    public var llmModel: String?
    /// `GROOMER_LLM_TEMPERATURE`: sent as `temperature`; nil (`omit`) sends none, for models
    /// that refuse one.
    public var llmTemperature: Double?
    /// `GROOMER_TRIAGE`; nil chooses `cascade` with an LLM and `learned` without.
    public var triage: TriageMode?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        webhookSecrets = value("GROOMER_WEBHOOK_SECRET").flatMap(WebhookSecrets.parse)
        store = try StoreLocation.parse(value("GROOMER_DATABASE_URL") ?? "sqlite:groomer.sqlite")
        configPath = value("GROOMER_CONFIG")
        host = value("GROOMER_HOST") ?? "127.0.0.1"
        let portText = value("GROOMER_PORT") ?? "8080"
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ConfigurationError(source: "GROOMER_PORT", key: nil, problem: "expected a port number 0–65535, got \(portText)")
        }
        self.port = port
        adminToken = value("GROOMER_ADMIN_TOKEN")
        githubAPIURL = value("GROOMER_GITHUB_API_URL") ?? "https://api.github.com"
        githubToken = value("GROOMER_GITHUB_TOKEN")
        githubAppID = value("GROOMER_GITHUB_APP_ID")
        githubAppPrivateKeyPath = value("GROOMER_GITHUB_APP_PRIVATE_KEY_PATH")
        let writesText = value("GROOMER_GITHUB_WRITES_PER_HOUR") ?? String(GitHubRESTClient.gitHubWritesPerHour)
        guard let writes = Int(writesText), writes >= 0 else {
            throw ConfigurationError(source: "GROOMER_GITHUB_WRITES_PER_HOUR", key: nil,
                                     problem: "expected a whole number of writes an hour (0 for no budget), got \(writesText)")
        }
        githubWritesPerHour = writes == 0 ? nil : writes
        botLogin = value("GROOMER_BOT_LOGIN")
        llmURL = value("GROOMER_LLM_URL")
        llmAPIKey = value("GROOMER_LLM_API_KEY")
        llmModel = value("GROOMER_LLM_MODEL")
        switch value("GROOMER_LLM_TEMPERATURE")?.lowercased() {
        case nil: llmTemperature = 0
        case "omit", "none": llmTemperature = nil
        case let text?:
            guard let temperature = Double(text), (0...2).contains(temperature) else {
                throw ConfigurationError(source: "GROOMER_LLM_TEMPERATURE", key: nil,
                                         problem: "expected a number from 0 to 2, or omit to send none; got \(text)")
            }
            llmTemperature = temperature
        }
        if let text = value("GROOMER_TRIAGE") {
            guard let mode = TriageMode(rawValue: text.lowercased()) else {
                throw ConfigurationError(source: "GROOMER_TRIAGE", key: nil,
                                         problem: "expected one of \(TriageMode.allCases.map(\.rawValue).joined(separator: ", ")); got \(text)")
            }
            triage = mode
        }
    }

    /// The secrets, or the error `serve` stops with when none is configured (fail closed).
    public func requireWebhookSecrets() throws(ConfigurationError) -> WebhookSecrets {
        guard let webhookSecrets else {
            throw ConfigurationError(source: "GROOMER_WEBHOOK_SECRET", key: nil,
                                     problem: "not set; groomer will not accept unsigned webhooks (set the secret you gave GitHub)")
        }
        return webhookSecrets
    }
}
