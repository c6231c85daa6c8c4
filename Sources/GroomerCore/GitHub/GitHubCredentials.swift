import Foundation

/// Credentials groomer cannot use, found before any request: a settings or key problem, never GitHub's answer.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `GROOMER_GITHUB_APP_ID` without `GROOMER_GITHUB_APP_PRIVATE_KEY_PATH`.
    case appKeyPathMissing
    case keyUnreadable(path: String)
    case keyNotPEM
    case keyNotRSA
    /// OpenSSL could not sign the App's JWT.
    case signing(String)

    public var description: String {
        switch self {
        case .appKeyPathMissing: "GROOMER_GITHUB_APP_ID is set but GROOMER_GITHUB_APP_PRIVATE_KEY_PATH is not"
        case .keyUnreadable(let path): "cannot read GROOMER_GITHUB_APP_PRIVATE_KEY_PATH (\(path))"
        case .keyNotPEM: "the GitHub App private key is not a PEM private key"
        case .keyNotRSA: "the GitHub App private key is not an RSA key"
        case .signing(let what): "OpenSSL could not sign the App's JWT: \(what)"
        }
    }
}

/// How groomer authenticates to GitHub.
public enum GitHubCredentials: Sendable {
    /// A personal access token or any other bearer token.
    case token(String)
    /// A GitHub App: JWTs exchanged per installation for installation tokens.
    case app(id: String, key: AppSigningKey)

    /// From the settings, or nil when neither a token nor an App is configured.
    public static func from(_ settings: Settings) throws(CredentialError) -> GitHubCredentials? {
        if let token = settings.githubToken { return .token(token) }
        if let appID = settings.githubAppID {
            guard let path = settings.githubAppPrivateKeyPath else {
                throw CredentialError.appKeyPathMissing
            }
            return .app(id: appID, key: try AppSigningKey(path: path))
        }
        return nil
    }
}

/// Installation tokens, each cached until a minute before it expires.
actor InstallationTokens {
    struct Token: Sendable {
        var value: String
        var expiresAt: Date
    }

    private var tokens: [Int64: Token] = [:]

    func valid(for installation: Int64, now: Date) -> String? {
        guard let token = tokens[installation], token.expiresAt.timeIntervalSince(now) > 60 else { return nil }
        return token.value
    }

    func store(_ token: Token, for installation: Int64) { tokens[installation] = token }

    func forget(_ installation: Int64) { tokens[installation] = nil }
}
