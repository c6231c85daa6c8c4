import Foundation

/// The operator's terms for a repository's own policy file (`repository_config:` of the global file).
public struct RepositoryConfigSettings: Sendable, Equatable {
    /// Where a repository keeps its policy, on its default branch.
    public static let path = ".github/groomer.yml"
    /// The keys a repository file can hold, when the operator allows them.
    public static let keys = ["mode", "min_confidence", "remove_labels", "debounce", "labels", "groups", "rules", "learn"]
    /// `repository_config.allow`: the keys a repository may set. `mode` (and its older spelling
    /// `dry_run`) only when listed; an empty list means repository files are not read at all.
    public var allow: Set<String> = ["labels", "groups", "rules", "min_confidence", "learn"]
    /// `repository_config.refresh_seconds`: how long a read file is trusted before it is asked
    /// for again (with its ETag, so an unchanged file costs GitHub's cheap 304).
    public var refreshSeconds = 300

    public init() {}

    /// Whether `key` of a repository file is the operator's to allow and allowed.
    public func allows(_ key: String) -> Bool {
        allow.contains(key == "dry_run" ? "mode" : key)
    }
}
