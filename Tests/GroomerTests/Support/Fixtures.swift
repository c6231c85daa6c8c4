import Foundation

/// Paths of the project's fixtures, found from this file's location.
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("fixtures")
    static let payloads = directory.appendingPathComponent("payloads")
    static let deliveries = directory.appendingPathComponent("deliveries")
    static let github = directory.appendingPathComponent("github")
    static let webhookSchemas = github.appendingPathComponent("webhook-schemas/api.github.com")

    /// The bytes of `payloads/EVENT/NAME.json`, exactly as GitHub recorded them.
    /// Every recorded payload under `fixtures/payloads`.
    static func allPayloadFiles() throws -> [URL] {
        let enumerator = FileManager.default.enumerator(at: payloads, includingPropertiesForKeys: nil)
        return (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    /// Sets the value at `path` in a JSON object tree, creating objects on the way when needed.
    static func set(_ object: inout [String: Any], _ path: [String], _ value: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        set(&child, Array(path.dropFirst()), value)
        object[first] = child
    }

    static func payload(_ relativePath: String) throws -> Data {
        try Data(contentsOf: payloads.appendingPathComponent(relativePath))
    }

    /// A recorded payload with some fields changed (for rows no recording covers, such as a bot sender).
    static func payload(_ relativePath: String, editing edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: payload(relativePath)) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// A recorded payload whose issue is made a pull request, as GitHub marks one.
    static func payloadOnAPullRequest(_ relativePath: String) throws -> Data {
        try payload(relativePath) { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["pull_request"] = ["url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"]
            payload["issue"] = issue
        }
    }

    /// The built `groomer` executable, beside the test bundle.
    static var groomerExecutable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("groomer")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/groomer")
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("groomer-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
