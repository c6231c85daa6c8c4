/// A bad setting, naming where it came from, the key and what is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file path or environment variable.
    public var source: String
    /// The dotted key inside a file, if any.
    public var key: String?
    public var problem: String

    public init(source: String, key: String?, problem: String) {
        self.source = source
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if let key { return "\(source): \(key): \(problem)" }
        return "\(source): \(problem)"
    }
}
