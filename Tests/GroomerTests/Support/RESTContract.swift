import Foundation
import GroomerCore
import GroomerTesting

/// Checks requests against the GitHub REST operations in `fixtures/github/rest-subset.json`:
/// method and path, query parameters, the headers every request carries, and the JSON body's schema.
final class RESTContract {
    private struct Operation {
        var id: String
        var method: String
        var pattern: NSRegularExpression
        var queryParameters: Set<String>
        var bodySchema: JSONValue?
    }

    private let file = Fixtures.github.appendingPathComponent("rest-subset.json")
    private let validator = SchemaValidator()
    private var operations: [Operation] = []

    init() throws {
        let document = try JSONValue.parse(try Data(contentsOf: file))
        for (template, methods) in document["paths"]?.object ?? [:] {
            // `{path}` of the contents API spans segments; every other parameter is one segment.
            let regex = "^" + template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
                if segment == "{path}" { return ".+" }
                if segment.hasPrefix("{") && segment.hasSuffix("}") { return "[^/]+" }
                return NSRegularExpression.escapedPattern(for: String(segment))
            }.joined(separator: "/") + "$"
            for (method, operation) in methods.object ?? [:] {
                var query: Set<String> = []
                for parameter in operation["parameters"]?.array ?? [] {
                    var resolved = parameter
                    if let ref = parameter["$ref"]?.string, let name = ref.split(separator: "/").last {
                        resolved = document["components"]?["parameters"]?[String(name)] ?? parameter
                    }
                    if resolved["in"]?.string == "query", let name = resolved["name"]?.string { query.insert(name) }
                }
                operations.append(Operation(
                    id: operation["operationId"]?.string ?? template, method: method.uppercased(),
                    pattern: try NSRegularExpression(pattern: regex), queryParameters: query,
                    bodySchema: operation["requestBody"]?["content"]?["application/json"]?["schema"]))
            }
        }
    }

    /// The operation id a request maps to, or nil.
    func operationID(_ request: RecordedRequest) -> String? { operation(for: request)?.id }

    private func operation(for request: RecordedRequest) -> Operation? {
        let range = NSRange(request.path.startIndex..., in: request.path)
        return operations.first { $0.method == request.method && $0.pattern.firstMatch(in: request.path, range: range) != nil }
    }

    /// Every way `request` departs from the documented API; empty when it conforms.
    func violations(_ request: RecordedRequest) throws -> [String] {
        let label = "\(request.method) \(request.path)"
        guard let operation = operation(for: request) else { return ["\(label): not an operation of the REST subset"] }
        var problems: [String] = []
        if request.headers["accept"] != "application/vnd.github+json" { problems.append("\(label): Accept is \(request.headers["accept"] ?? "missing")") }
        if request.headers["x-github-api-version"] != "2022-11-28" { problems.append("\(label): X-GitHub-Api-Version missing or wrong") }
        if (request.headers["user-agent"] ?? "").isEmpty { problems.append("\(label): no User-Agent") }
        if request.headers["authorization"] == nil { problems.append("\(label): no Authorization") }
        for name in request.queryItems.keys where !operation.queryParameters.contains(name) {
            problems.append("\(label): query parameter \(name) is not documented")
        }
        if let schema = operation.bodySchema, !request.body.isEmpty {
            let body = try JSONValue.parse(request.body)
            problems += try validator.validate(body, schema: schema, inDocument: file).map { "\(label): body \($0)" }
        } else if operation.bodySchema == nil, !request.body.isEmpty {
            problems.append("\(label): has a body the operation does not take")
        }
        return problems
    }
}
