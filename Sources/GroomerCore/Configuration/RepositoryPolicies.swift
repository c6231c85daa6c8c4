import Foundation
import Logging
import Synchronization

/// The policy in force for each repository: the operator's file and, over it, the keys the
/// operator allows from the repository's own `.github/groomer.yml` on its default branch.
///
/// A groom asks with `current(for:installation:)`, which reads the file through GitHub when the
/// copy held is older than `repository_config.refresh_seconds` or a push touched it (an ETag
/// makes an unchanged file a cheap 304). Everything else reads the copy held, synchronously.
/// An invalid file never stops a groom: the operator's policy applies and the error is kept
/// for `GET /api/repos/{owner}/{repo}/config` and `groomer_repository_config_invalid`.
public final class RepositoryPolicies: Sendable {
    /// Where a repository's policy came from and what was wrong with its file.
    public struct Status: Sendable, Equatable {
        public enum Source: String, Sendable {
            /// The operator's file (or the built-in policy): no repository file, not allowed, or invalid.
            case operatorPolicy = "operator"
            /// The operator's policy with the repository file's allowed keys over it.
            case repositoryFile = "repository_file"
        }

        public var source: Source = .operatorPolicy
        /// When the file was last asked for; nil when it never was.
        public var readAt: Date?
        /// Whether the repository has the file.
        public var fileExists = false
        /// The file's problem, worded as for the operator's file; the file is then not applied.
        public var error: ConfigurationError?
        /// Keys of the file the operator does not allow (`repository_config.allow`); left out.
        public var ignoredKeys: [String] = []
        /// Why GitHub could not be asked, the last time it could not; the last copy stays in force.
        public var readProblem: String?
    }

    private struct Entry {
        var policy: Policy
        var status = Status()
        /// A push touched the file: read it at the next groom, whatever its age.
        var changed = false
    }

    /// The operator's configuration, under every repository file.
    public let configuration: GroomerConfiguration
    private let github: (any GitHubAPI)?
    private let clock: any GroomerClock
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])

    public init(configuration: GroomerConfiguration, github: (any GitHubAPI)?, clock: any GroomerClock, logger: Logger) {
        self.configuration = configuration
        self.github = github
        self.clock = clock
        self.logger = logger
    }

    /// Whether repository files are read at all: there is GitHub to read them from and the
    /// operator allows at least one key.
    public var readsRepositoryFiles: Bool { github != nil && !configuration.repositoryConfig.allow.isEmpty }

    /// The policy held for `repository`, without asking GitHub.
    public func policy(for repository: String) -> Policy {
        entries.withLock { $0[repository.lowercased()]?.policy } ?? configuration.policy(for: repository)
    }

    /// Where `repository`'s policy came from, as last read.
    public func status(for repository: String) -> Status {
        entries.withLock { $0[repository.lowercased()]?.status } ?? Status()
    }

    /// How many repositories have a file groomer could not apply.
    public var invalidCount: Int { entries.withLock { $0.values.count { $0.status.error != nil } } }

    /// A push changed the file on the default branch: the next groom reads it again.
    public func markChanged(_ repository: String) {
        entries.withLock { $0[repository.lowercased(), default: Entry(policy: configuration.policy(for: repository))].changed = true }
    }

    /// The policy for a groom of `repository`: the copy held while it is fresh, else the file
    /// read again. Never throws; a GitHub that cannot be asked leaves the last copy in force.
    public func current(for repository: String, installation: Int64?) async -> Policy {
        let base = configuration.policy(for: repository)
        guard let github, readsRepositoryFiles else { return base }
        let key = repository.lowercased()
        let now = clock.now()
        let refresh = TimeInterval(configuration.repositoryConfig.refreshSeconds)
        if let held = entries.withLock({ $0[key] }), !held.changed, let readAt = held.status.readAt, now.timeIntervalSince(readAt) < refresh {
            return held.policy
        }
        var entry = entries.withLock { $0[key] } ?? Entry(policy: base)
        entry.changed = false
        entry.status.readAt = now
        do {
            let data = try await github.fileContents(repository: repository, path: RepositoryConfigSettings.path, installation: installation)
            entry.status.readProblem = nil
            entry.status.fileExists = data != nil
            entry.status.error = nil
            entry.status.ignoredKeys = []
            if let data {
                apply(data, base: base, to: &entry, repository: repository)
            } else {
                entry.policy = base
                entry.status.source = .operatorPolicy
            }
        } catch {
            entry.status.readProblem = "\(error)"
            logger.warning("could not read the repository's policy file; the last copy stays in force",
                           metadata: ["repository": "\(repository)", "error": "\(error)"])
        }
        let stored = entry
        let invalid = entries.withLock { entries in
            entries[key] = stored
            return entries.values.count { $0.status.error != nil }
        }
        GroomerMetrics.repositoryConfigInvalid(invalid)
        return stored.policy
    }

    private func apply(_ data: Data, base: Policy, to entry: inout Entry, repository: String) {
        do throws(ConfigurationError) {
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(source: RepositoryConfigSettings.path, key: nil, problem: "not UTF-8 text")
            }
            let (policy, ignored) = try ConfigurationFile.parseRepositoryFile(text, base: base, settings: configuration.repositoryConfig)
            entry.policy = policy
            entry.status.source = .repositoryFile
            entry.status.ignoredKeys = ignored
            if !ignored.isEmpty {
                logger.notice("the repository's policy file sets keys the operator does not allow; they are left out",
                              metadata: ["repository": "\(repository)", "keys": "\(ignored.joined(separator: ","))"])
            }
        } catch {
            entry.policy = base
            entry.status.source = .operatorPolicy
            entry.status.error = error
            logger.warning("the repository's policy file is invalid; the operator's policy applies",
                           metadata: ["repository": "\(repository)", "error": "\(error)"])
        }
    }
}
