/// A failure of the store. Messages carry the database's own text, never bound values.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The database cannot be reached or cannot commit now (busy, read-only, full, I/O):
        /// the receiver answers 503 and GitHub may redeliver.
        case unavailable
        /// The schema or the data is not what this version expects.
        case incompatible
        /// The URL or the statement is wrong: a bug or a bad setting.
        case invalid
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "store \(kind.rawValue): \(message)" }
}
