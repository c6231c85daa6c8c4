import Foundation
import Logging

/// Builds the run's parts from the settings, the same way for every command.
public enum GroomerAssembly {
    /// The GitHub client, or nil when no credentials are configured (offline).
    public static func github(_ settings: Settings, transport: any HTTPTransport, logger: Logger) throws -> (any GitHubAPI)? {
        guard let credentials = try GitHubCredentials.from(settings) else { return nil }
        return GitHubRESTClient(baseURL: settings.githubAPIURL, transport: transport, credentials: credentials, logger: logger)
    }

    /// The LLM triage, or nil for rules-only triage.
    public static func llm(_ settings: Settings, transport: any HTTPTransport, logger: Logger) throws -> LLMTriage? {
        guard let url = settings.llmURL else { return nil }
        guard let model = settings.llmModel else {
            throw ConfigurationError(source: "GROOMER_LLM_MODEL", key: nil, problem: "GROOMER_LLM_URL is set but the model is not")
        }
        return LLMTriage(model: OpenAICompatibleClient(baseURL: url, apiKey: settings.llmAPIKey, model: model, transport: transport, logger: logger))
    }
}
