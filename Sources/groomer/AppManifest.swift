import ArgumentParser
import Foundation
import GroomerCore

/// `groomer app-manifest --url https://HOST`: the GitHub App manifest for this groomer, for
/// GitHub's manifest flow (README, "Registering a GitHub App").
struct AppManifest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-manifest",
        abstract: "Print a GitHub App manifest for a groomer reachable at --url (JSON, or with --html a page that registers it).")

    @Option(help: "Where GitHub reaches this groomer, https://HOST[:PORT] (no path).")
    var url: String

    @Option(help: "The App's name on GitHub.")
    var name: String = "groomer"

    @Option(help: "Register the App under this organization instead of your own account (with --html).")
    var org: String?

    @Flag(help: "Print an HTML page whose button posts the manifest to GitHub.")
    var html = false

    func validate() throws {
        guard let components = URLComponents(string: url), components.scheme == "https", components.host?.isEmpty == false,
              components.path.isEmpty || components.path == "/", components.query == nil else {
            throw ValidationError("--url: expected https://HOST or https://HOST:PORT, got \(url) (GitHub delivers webhooks over HTTPS)")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 34 else {
            throw ValidationError("--name: 1 to 34 characters, as GitHub allows")
        }
    }

    func run() async throws {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let manifest = JSONValue.ordered([
            "name": .string(name),
            "url": .string(base),
            "description": .string("Issue triage: labels from a model learned from the repository, rules or an LLM."),
            "hook_attributes": .ordered(["url": .string(base + "/webhooks/github"), "active": .bool(true)]),
            // GitHub sends the browser here with ?code=…; the code is read from the address bar.
            "redirect_url": .string(base + "/healthz"),
            "public": .bool(false),
            "default_permissions": .ordered(["issues": .string("write"), "metadata": .string("read"), "contents": .string("read")]),
            "default_events": .array([.string("issues"), .string("issue_comment"), .string("push")]),
        ])
        guard html else {
            print(manifest.orderedText)
            return
        }
        let action = org.map { "https://github.com/organizations/\(Self.escape($0))/settings/apps/new" } ?? "https://github.com/settings/apps/new"
        print("""
            <!doctype html>
            <meta charset="utf-8">
            <title>Register \(Self.escape(name)) on GitHub</title>
            <form action="\(action)" method="post">
              <input type="hidden" name="manifest" value="\(Self.escape(manifest.orderedText))">
              <p>Registers a GitHub App that sends its webhooks to \(Self.escape(base))/webhooks/github.</p>
              <button type="submit">Create the GitHub App</button>
            </form>
            """)
    }

    /// Text safe inside HTML and inside a double-quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
