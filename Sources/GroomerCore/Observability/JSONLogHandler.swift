import Foundation
import Logging

/// One JSON object per line on standard error, for log shippers (`GROOMER_LOG_FORMAT=json`).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(Date().iso8601), "level": .string(event.level.rawValue), "logger": .string(label),
            "message": .string(event.message.description),
        ]
        if let error = event.error { fields["error"] = .string("\(error)") }
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields[key] = .string(value.description)
        }
        var line = JSONValue.object(fields).description
        line.append("\n")
        FileHandle.standardError.write(Data(line.utf8))
    }
}
