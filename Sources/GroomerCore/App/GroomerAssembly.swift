import Foundation
import Logging

/// Builds the run's parts from the settings, the same way for every command.
public enum GroomerAssembly {
    /// The GitHub client, or nil when no credentials are configured (offline).
    public static func github(_ settings: Settings, transport: any HTTPTransport, logger: Logger) throws -> (any GitHubAPI)? {
        guard let credentials = try GitHubCredentials.from(settings) else { return nil }
        return GitHubRESTClient(baseURL: settings.githubAPIURL, transport: transport, credentials: credentials,
                                writesPerHour: settings.githubWritesPerHour, logger: logger)
    }

    /// The LLM triage, or nil when no LLM is configured.
    public static func llm(_ settings: Settings, transport: any HTTPTransport, logger: Logger) throws -> LLMTriage? {
        guard let url = settings.llmURL else { return nil }
        guard let model = settings.llmModel else {
            throw ConfigurationError(source: "GROOMER_LLM_MODEL", key: nil, problem: "GROOMER_LLM_URL is set but the model is not")
        }
        return LLMTriage(model: OpenAICompatibleClient(baseURL: url, apiKey: settings.llmAPIKey, model: model, transport: transport,
                                                       temperature: settings.llmTemperature, logger: logger))
    }

    /// The mode in force: `GROOMER_TRIAGE`, else the cascade with an LLM and the learned model without.
    public static func triageMode(_ settings: Settings) -> TriageMode {
        settings.triage ?? (settings.llmURL == nil ? .learned : .cascade)
    }

    /// The triage of `mode`; `llm` and `cascade` need an LLM.
    public static func triage(_ mode: TriageMode, llm: LLMTriage?, models: any LabelModelSource) throws -> any Triage {
        let learned = LearnedTriage(models: models)
        switch mode {
        case .rules: return RulesTriage()
        case .learned: return learned
        case .llm, .cascade:
            guard let llm else {
                throw ConfigurationError(source: "GROOMER_TRIAGE", key: nil, problem: "\(mode.rawValue) needs an LLM: set GROOMER_LLM_URL and GROOMER_LLM_MODEL")
            }
            return mode == .llm ? llm : CascadeTriage(learned: learned, llm: llm)
        }
    }
}
