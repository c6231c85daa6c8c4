import Foundation
import Yams

/// Reads and validates the YAML policy file; every problem names the file, the key and what is wrong.
public enum ConfigurationFile {
    public static func load(path: String) throws(ConfigurationError) -> GroomerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, key: nil, problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(ConfigurationError) -> GroomerConfiguration {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(source: source, key: nil, problem: "not valid YAML: \(error)")
        }
        guard let document else { return GroomerConfiguration(defaults: .builtIn) }
        guard let root = document as? [String: Any] else {
            throw ConfigurationError(source: source, key: nil, problem: "expected a mapping at the top level")
        }
        let reader = Reader(source: source)
        // What the file does not set stays built in: a file that names `labels:` without
        // `rules:` keeps the built-in rules and groups (`rules: []` turns them off).
        let defaults = try reader.policy(root, base: .builtIn, prefix: "", allowRepositories: true)
        var repositories: [String: Policy] = [:]
        if let raw = root["repositories"] {
            guard let map = raw as? [String: Any] else {
                throw reader.error("repositories", "expected a mapping of \"OWNER/NAME\" to overrides")
            }
            for (name, value) in map {
                let key = "repositories.\(name)"
                guard name.split(separator: "/").count == 2 else { throw reader.error(key, "expected OWNER/NAME") }
                guard let overrides = value as? [String: Any] else { throw reader.error(key, "expected a mapping of overrides") }
                repositories[name] = try reader.policy(overrides, base: defaults, prefix: key + ".", allowRepositories: false)
            }
        }
        var configuration = GroomerConfiguration(defaults: defaults, repositories: repositories)
        if let raw = root["reconcile"] {
            let map = try reader.mapping(raw, "reconcile", keys: ["interval_seconds", "lookback_hours"])
            if let value = map["interval_seconds"] {
                configuration.reconcileInterval = try reader.count(value, "reconcile.interval_seconds", 0...86_400)
            }
            if let value = map["lookback_hours"] {
                configuration.reconcileLookbackHours = try reader.count(value, "reconcile.lookback_hours", 0...72)
            }
        }
        if let raw = root["backfill"] {
            guard let map = raw as? [String: Any] else { throw reader.error("backfill", "expected a mapping with rate_share") }
            for (key, value) in map {
                guard key == "rate_share" else { throw reader.error("backfill.\(key)", "unknown key; known keys: rate_share") }
                let share = try reader.number(value, "backfill.rate_share")
                guard share > 0, share <= 1 else { throw reader.error("backfill.rate_share", "expected a number above 0 and at most 1, got \(share)") }
                configuration.backfillRateShare = share
            }
        }
        if let raw = root["repository_config"] {
            configuration.repositoryConfig = try reader.repositoryConfig(raw)
        }
        return configuration
    }

    /// A repository's own `.github/groomer.yml` over `base`, the operator's policy for it: the
    /// keys `settings` allows apply; the others are left out and named in `ignored`. Any other
    /// problem (bad YAML, an unknown key, a bad value) is an error, worded as for the global file.
    public static func parseRepositoryFile(_ text: String, base: Policy, settings: RepositoryConfigSettings,
                                           source: String = RepositoryConfigSettings.path) throws(ConfigurationError) -> (policy: Policy, ignored: [String]) {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(source: source, key: nil, problem: "not valid YAML: \(error)")
        }
        guard let document else { return (base, []) }
        guard let root = document as? [String: Any] else {
            throw ConfigurationError(source: source, key: nil, problem: "expected a mapping at the top level")
        }
        let reader = Reader(source: source)
        var allowed: [String: Any] = [:]
        var ignored: [String] = []
        for (key, value) in root {
            let known = RepositoryConfigSettings.keys.contains(key) || key == "dry_run"
            guard known else {
                throw reader.error(key, "unknown key; a repository file takes: \(RepositoryConfigSettings.keys.joined(separator: ", "))")
            }
            if settings.allows(key) { allowed[key] = value } else { ignored.append(key) }
        }
        return (try reader.policy(allowed, base: base, prefix: "", allowRepositories: false), ignored.sorted())
    }

    private struct Reader {
        let source: String

        func error(_ key: String, _ problem: String) -> ConfigurationError {
            ConfigurationError(source: source, key: key, problem: problem)
        }

        func policy(_ map: [String: Any], base: Policy, prefix: String, allowRepositories: Bool) throws(ConfigurationError) -> Policy {
            var policy = base
            for (key, value) in map {
                let path = prefix + key
                switch key {
                case "dry_run":
                    guard map["mode"] == nil else { throw error(path, "set mode or dry_run, not both (dry_run is the older spelling of mode)") }
                    policy.dryRun = try bool(value, path)
                case "mode":
                    guard let text = value as? String, let mode = WriteMode(rawValue: text) else {
                        throw error(path, "expected one of dry_run, suggest, write; got \(describe(value))")
                    }
                    policy.mode = mode
                case "remove_labels": policy.removeLabels = try bool(value, path)
                case "min_confidence":
                    let number = try self.number(value, path)
                    guard (0...1).contains(number) else { throw error(path, "expected a number from 0 to 1, got \(number)") }
                    policy.minConfidence = number
                case "debounce":
                    let map = try mapping(value, path, keys: ["quiet_seconds", "max_wait_seconds"])
                    if let quiet = map["quiet_seconds"] { policy.debounce.quiet = try seconds(quiet, path + ".quiet_seconds") }
                    if let wait = map["max_wait_seconds"] { policy.debounce.maxWait = try seconds(wait, path + ".max_wait_seconds") }
                case "lock":
                    guard allowRepositories else { throw error(path, "the run lock is global; set it at the top level") }
                    let map = try mapping(value, path, keys: ["ttl_seconds"])
                    if let ttl = map["ttl_seconds"] {
                        policy.lockTTL = try seconds(ttl, path + ".ttl_seconds")
                        guard policy.lockTTL >= 3 else { throw error(path + ".ttl_seconds", "must be at least 3 seconds") }
                    }
                case "labels": policy.labels = try labels(value, path)
                case "groups": policy.groups = try groups(value, path)
                case "rules": policy.rules = try rules(value, path)
                case "learn":
                    let map = try mapping(value, path, keys: ["target_precision", "min_examples", "max_issues", "retrain_after"])
                    if let target = map["target_precision"] {
                        let number = try self.number(target, path + ".target_precision")
                        guard number > 0, number < 1 else { throw error(path + ".target_precision", "expected a number between 0 and 1, got \(number)") }
                        policy.learning.targetPrecision = number
                    }
                    if let value = map["min_examples"] { policy.learning.minExamples = try count(value, path + ".min_examples", 1...100_000) }
                    if let value = map["max_issues"] { policy.learning.maxIssues = try count(value, path + ".max_issues", 1...1_000_000) }
                    if let value = map["retrain_after"] { policy.learning.retrainAfter = try count(value, path + ".retrain_after", 1...1_000_000) }
                case "repositories" where allowRepositories: continue
                case "reconcile" where allowRepositories: continue
                case "backfill" where allowRepositories: continue
                case "repository_config" where allowRepositories: continue
                default:
                    throw error(path, "unknown key; known keys: mode, dry_run, min_confidence, remove_labels, debounce, lock, labels, groups, rules, learn, repositories, reconcile, backfill, repository_config")
                }
            }
            return policy
        }

        func repositoryConfig(_ value: Any) throws(ConfigurationError) -> RepositoryConfigSettings {
            var settings = RepositoryConfigSettings()
            let map = try mapping(value, "repository_config", keys: ["allow", "refresh_seconds"])
            if let raw = map["allow"] {
                guard let list = raw as? [Any] else { throw error("repository_config.allow", "expected a list of keys, got \(describe(raw))") }
                var allow: Set<String> = []
                for (index, item) in list.enumerated() {
                    let key = try string(item, "repository_config.allow[\(index)]")
                    guard RepositoryConfigSettings.keys.contains(key) else {
                        throw error("repository_config.allow[\(index)]", "\"\(key)\" is not a key a repository file can set; those are: \(RepositoryConfigSettings.keys.joined(separator: ", "))")
                    }
                    allow.insert(key)
                }
                settings.allow = allow
            }
            if let raw = map["refresh_seconds"] {
                settings.refreshSeconds = try count(raw, "repository_config.refresh_seconds", 10...86_400)
            }
            return settings
        }

        func bool(_ value: Any, _ path: String) throws(ConfigurationError) -> Bool {
            guard let b = value as? Bool else { throw error(path, "expected true or false, got \(describe(value))") }
            return b
        }

        func number(_ value: Any, _ path: String) throws(ConfigurationError) -> Double {
            if value is Bool { throw error(path, "expected a number, got \(describe(value))") }
            if let i = value as? Int { return Double(i) }
            if let d = value as? Double { return d }
            throw error(path, "expected a number, got \(describe(value))")
        }

        func count(_ value: Any, _ path: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard !(value is Bool), let n = value as? Int, range.contains(n) else {
                throw error(path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(describe(value))")
            }
            return n
        }

        func seconds(_ value: Any, _ path: String) throws(ConfigurationError) -> TimeInterval {
            let n = try number(value, path)
            guard n >= 0, n <= 86_400 else { throw error(path, "expected seconds from 0 to 86400, got \(n)") }
            return n
        }

        func mapping(_ value: Any, _ path: String, keys: Set<String>) throws(ConfigurationError) -> [String: Any] {
            guard let map = value as? [String: Any] else { throw error(path, "expected a mapping, got \(describe(value))") }
            for key in map.keys where !keys.contains(key) {
                throw error("\(path).\(key)", "unknown key; known keys: \(keys.sorted().joined(separator: ", "))")
            }
            return map
        }

        func string(_ value: Any?, _ path: String) throws(ConfigurationError) -> String {
            guard let s = value as? String, !s.isEmpty else { throw error(path, "expected a non-empty string, got \(describe(value))") }
            return s
        }

        func labels(_ value: Any, _ path: String) throws(ConfigurationError) -> [LabelInfo] {
            guard let list = value as? [Any] else { throw error(path, "expected a list of { name, description }") }
            var result: [LabelInfo] = []
            for (index, item) in list.enumerated() {
                let itemPath = "\(path)[\(index)]"
                if let name = item as? String, !name.isEmpty {
                    result.append(LabelInfo(name: name))
                    continue
                }
                let map = try mapping(item, itemPath, keys: ["name", "description"])
                let name = try string(map["name"], itemPath + ".name")
                let description = try map["description"].map { (d: Any) throws(ConfigurationError) -> String in
                    guard let s = d as? String else { throw error(itemPath + ".description", "expected a string") }
                    return s
                }
                result.append(LabelInfo(name: name, description: description))
            }
            return result
        }

        func groups(_ value: Any, _ path: String) throws(ConfigurationError) -> [[String]] {
            guard let list = value as? [Any] else { throw error(path, "expected a list of label lists") }
            var result: [[String]] = []
            for (index, item) in list.enumerated() {
                guard let names = item as? [Any], !names.isEmpty else {
                    throw error("\(path)[\(index)]", "expected a non-empty list of label names")
                }
                var group: [String] = []
                for (j, name) in names.enumerated() { group.append(try string(name, "\(path)[\(index)][\(j)]")) }
                result.append(group)
            }
            return result
        }

        func rules(_ value: Any, _ path: String) throws(ConfigurationError) -> [LabelRule] {
            guard let list = value as? [Any] else { throw error(path, "expected a list of { label, pattern }") }
            var result: [LabelRule] = []
            for (index, item) in list.enumerated() {
                let itemPath = "\(path)[\(index)]"
                let map = try mapping(item, itemPath, keys: ["label", "pattern"])
                let label = try string(map["label"], itemPath + ".label")
                let pattern = try string(map["pattern"], itemPath + ".pattern")
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                } catch {
                    throw self.error(itemPath + ".pattern", "not a valid regular expression (\(Self.regexProblem(pattern))): \(pattern)")
                }
                result.append(LabelRule(label: label, pattern: pattern))
            }
            return result
        }

        /// Foundation says only that a pattern is invalid; name the commonest reasons.
        static func regexProblem(_ pattern: String) -> String {
            var depth = 0
            var escaped = false
            var inClass = false
            for character in pattern {
                if escaped { escaped = false; continue }
                switch character {
                case "\\": escaped = true
                case "[" where !inClass: inClass = true
                case "]" where inClass: inClass = false
                case "(" where !inClass: depth += 1
                case ")" where !inClass:
                    depth -= 1
                    if depth < 0 { return "a ) without its (" }
                default: break
                }
            }
            if escaped { return "it ends in a lone backslash" }
            if inClass { return "a [ is never closed" }
            if depth > 0 { return "\(depth) ( never closed" }
            return "a quantifier, group or escape the ICU syntax does not accept"
        }

        func describe(_ value: Any?) -> String {
            guard let value else { return "nothing" }
            if let s = value as? String { return "\"\(s)\"" }
            return String(describing: value)
        }
    }
}
