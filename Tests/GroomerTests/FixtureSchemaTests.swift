import Foundation
import Testing

/// The payloads in `fixtures/` are GitHub's, and stay so: each validates against octokit's schema.
@Suite struct FixtureSchemaTests {
    /// Every payload fixture that has a schema (push and pull_request have none in the copy).
    static let payloadsWithSchemas: [String] = {
        let files = (FileManager.default.enumerator(atPath: Fixtures.payloads.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        return files.filter { schemaFile(for: $0) != nil }
    }()

    static func schemaFile(for payloadPath: String) -> URL? {
        let parts = payloadPath.split(separator: "/")
        let event = String(parts[0])
        let action = parts[1].split(separator: ".").first.map(String.init) ?? ""
        let name = event == "ping" ? "event" : action
        let url = Fixtures.webhookSchemas.appendingPathComponent("\(event)/\(name).schema.json")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    @Test func theSchemaCopyCoversTheIssueAndPingFixtures() {
        #expect(Self.payloadsWithSchemas.count == 10)
    }

    @Test(arguments: payloadsWithSchemas)
    func payloadValidates(_ path: String) throws {
        let payload = try JSON.parse(try Fixtures.payload(path))
        let problems = try SchemaValidator().validate(payload, schemaFile: #require(Self.schemaFile(for: path)))
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test func deliveryRecordPayloadsValidate() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.deliveries.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 3)
        for file in files {
            let record = try JSON.parse(try Data(contentsOf: Fixtures.deliveries.appendingPathComponent(file)))
            let event = try #require(record["request"]?["headers"]?["X-GitHub-Event"]?.string)
            let action = record["action"]?.string
            let schema = Fixtures.webhookSchemas.appendingPathComponent(event == "ping" ? "ping/event.schema.json" : "\(event)/\(action ?? "").schema.json")
            let problems = try SchemaValidator().validate(try #require(record["request"]?["payload"]), schemaFile: schema)
            #expect(problems.isEmpty, "\(file): \(problems.prefix(5))")
        }
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        let schema = Fixtures.webhookSchemas.appendingPathComponent("issues/opened.schema.json")
        var object = try JSONSerialization.jsonObject(with: try Fixtures.payload("issues/opened.payload.json")) as! [String: Any]
        object["action"] = "closed"
        var issue = object["issue"] as! [String: Any]
        issue["number"] = "1"
        object["issue"] = issue
        object["sender"] = nil
        let problems = try SchemaValidator().validate(try JSON.parse(try JSONSerialization.data(withJSONObject: object)), schemaFile: schema)
        #expect(problems.contains { $0.contains("not in enum") })
        #expect(problems.contains { $0.contains("missing required sender") })
        #expect(problems.contains { $0.contains("$.issue") })
    }
}
