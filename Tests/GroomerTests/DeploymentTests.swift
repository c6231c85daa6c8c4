import Foundation
import GroomerCore
import Testing
import Yams

/// `compose.yaml`, read as Compose reads it: groomer beside a health-checked PostgreSQL, its
/// data in a volume, every secret from the environment and every setting one groomer reads.
/// (No container engine runs in the tests; this checks the file, not the images.)
@Suite struct DeploymentTests {
    static func compose() throws -> [String: Any] {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("compose.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    @Test func composeRunsGroomerAfterAHealthyPostgresWithItsDataInAVolume() throws {
        let file = try Self.compose()
        let services = try #require(file["services"] as? [String: Any])
        let postgres = try #require(services["postgres"] as? [String: Any])
        let groomer = try #require(services["groomer"] as? [String: Any])
        let check = try #require((postgres["healthcheck"] as? [String: Any])?["test"] as? [String])
        #expect(check.joined(separator: " ").contains("pg_isready"))
        let dependsOn = try #require(groomer["depends_on"] as? [String: Any])
        #expect((dependsOn["postgres"] as? [String: Any])?["condition"] as? String == "service_healthy")
        let volume = try #require((postgres["volumes"] as? [String])?.first?.split(separator: ":").first.map(String.init))
        #expect((file["volumes"] as? [String: Any])?.keys.contains(volume) == true, "a named volume, declared")
        #expect((groomer["ports"] as? [String])?.contains("8080:8080") == true)
    }

    @Test func composeTakesEverySecretFromTheEnvironmentAndNamesOnlySettingsGroomerReads() throws {
        let groomer = try #require((try Self.compose()["services"] as? [String: Any])?["groomer"] as? [String: Any])
        let environment = try #require(groomer["environment"] as? [String: String])
        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        for (name, value) in environment {
            #expect(readme.contains("`\(name)`"), "\(name) is a setting the README documents")
            #expect(value.contains("${"), "\(name) comes from the environment, not the file")
        }
        // The two groomer cannot start without are required: Compose stops with the message.
        #expect(environment["GROOMER_WEBHOOK_SECRET"]?.contains(":?") == true)
        let url = try #require(environment["GROOMER_DATABASE_URL"]).replacingOccurrences(of: "${POSTGRES_PASSWORD}", with: "s3cret")
        #expect(try StoreLocation.parse(url) == .postgres(url: "postgres://groomer:s3cret@postgres:5432/groomer"))
        // With every variable set as the file asks, groomer's settings accept what Compose passes.
        var passed: [String: String] = [:]
        for (name, value) in environment {
            passed[name] = value.contains(":-}") ? "" : value.replacingOccurrences(of: #"\$\{[^}]*\}"#, with: "x", options: .regularExpression)
        }
        passed["GROOMER_DATABASE_URL"] = url
        let settings = try Settings(environment: passed)
        #expect(settings.adminToken == nil, "an empty variable is no token")
        #expect(settings.webhookSecrets != nil)
    }
}
