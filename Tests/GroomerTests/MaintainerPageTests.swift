import Foundation
import GroomerCore
import GroomerTesting
import Testing

/// The maintainer's page at `/ui`, in a real browser (Debian's headless chromium) and over HTTP.
@Suite struct MaintainerPageTests {
    static let repository = RunHarness.repository
    static let token = "admin-secret"
    static let hostileTitle = "<script>alert('owned')</script> Crash on <b>save</b>"

    /// Where the screenshot goes: `GROOMER_TEST_ARTIFACTS`, else `.build/test-artifacts`.
    static var artifacts: URL {
        let directory = ProcessInfo.processInfo.environment["GROOMER_TEST_ARTIFACTS"].map { URL(fileURLWithPath: $0) }
            ?? Fixtures.root.appendingPathComponent(".build/test-artifacts")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Issue 1, titled with markup, delivered and groomed (`bug` written, reason "because").
    static func groomHostileIssue(_ h: RunHarness) async throws {
        h.github.updateIssue(repository, 1) { $0.title = hostileTitle }
        _ = try await h.deliver { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["title"] = hostileTitle
            payload["issue"] = issue
        }
        h.server.clock.advance(by: 15)
        #expect(try await h.runner().run(trigger: .manual).records.first?.outcome == .applied)
    }

    /// A session cookie, logged in over plain HTTP.
    static func login(_ h: RunHarness) async throws -> String {
        let reply = try await Client.send(h.server.baseURL + "/ui/login", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                          body: Data("token=\(token)".utf8), followRedirects: false)
        #expect(reply.status == 303)
        let cookie = try #require(reply.headers["Set-Cookie"].first)
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
        return String(cookie.split(separator: ";")[0])
    }

    @Test func aMaintainerLogsInSeesTheDecisionAndItsReasonAndTriggersADryRunRegroomInABrowser() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            try await Self.groomHostileIssue(h)
            let browser = try HeadlessChromium()
            try await browser.openPage()
            try await browser.navigate(h.server.baseURL + "/ui")
            #expect(try await browser.evaluate("location.pathname") == .string("/ui/login"), "no session: the login form")

            try await browser.waitingForLoad {
                try await browser.evaluate("document.querySelector('input[name=token]').value = '\(Self.token)'; document.querySelector('form').submit()")
            }
            #expect(try await browser.evaluate("location.pathname") == .string("/ui"))
            let decisions = try await browser.evaluate("document.querySelector('#decisions').innerText").string ?? ""
            #expect(decisions.contains("\(Self.repository)#1"))
            #expect(decisions.contains("bug 0.95: because"), "the proposal with its confidence and reason: \(decisions)")
            #expect(decisions.contains("added bug"))
            // The hostile title is text: shown as written, and no element of it exists.
            #expect(decisions.contains(Self.hostileTitle))
            #expect(try await browser.evaluate("document.querySelectorAll('script, #decisions b').length") == .number(0))
            #expect(try await browser.evaluate("document.querySelectorAll('tr.decision').length") == .number(1))
            #expect(try await browser.evaluate("document.querySelector('#precision').innerText.includes('100%')") == .bool(true))

            try await browser.waitingForLoad {
                try await browser.evaluate("""
                    const form = document.querySelector('#regroom');
                    form.querySelector('input[name=repository]').value = '\(Self.repository)';
                    form.querySelector('input[name=number]').value = '1';
                    form.querySelector('select[name=mode]').value = 'dry_run';
                    form.submit()
                    """)
            }
            let notice = try await browser.evaluate("document.querySelector('#notice').innerText").string ?? ""
            #expect(notice.hasPrefix("Dry-run re-groom of \(Self.repository)#1"), "\(notice)")
            #expect(try await browser.evaluate("document.querySelectorAll('tr.decision').length") == .number(2))
            #expect(try await browser.evaluate("document.querySelector('tr.decision').innerText.includes('dry run')") == .bool(true),
                    "the newest decision is the dry run")
            #expect(h.github.issue(Self.repository, 1)?.labels == ["bug"])
            let shot = try await browser.screenshot()
            #expect(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
            try shot.write(to: Self.artifacts.appendingPathComponent("maintainer-page.png"))
        }
    }

    @Test func anActionWithoutTheCSRFTokenIsRefusedAndDoesNothing() async throws {
        try await RunHarness.with(adminToken: Self.token) { h in
            _ = try await h.deliver()
            let cookie = try await Self.login(h)
            let form = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie)]
            for body in ["", "csrf=0123abcd", "csrf="] {
                let refused = try await Client.send(h.server.baseURL + "/ui/run", headers: form, body: Data(body.utf8), followRedirects: false)
                #expect(refused.status == 403, "\(body)")
                #expect(refused.body.contains("CSRF"))
            }
            #expect(try await h.server.store.runs(limit: 5, before: nil).isEmpty, "no run started")
            // Without a session at all: to the login form.
            let anonymous = try await Client.send(h.server.baseURL + "/ui/run", headers: [("Content-Type", "application/x-www-form-urlencoded")], followRedirects: false)
            #expect(anonymous.status == 303 && anonymous.headers["Location"].first == "/ui/login")
            let forged = try await Client.send(h.server.baseURL + "/ui", method: .GET, headers: [("Cookie", "groomer_session=4102444800.0123456789abcdef0123456789abcdef.00")], followRedirects: false)
            #expect(forged.status == 303, "a forged cookie is no session")
            let wrong = try await Client.send(h.server.baseURL + "/ui/login", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                              body: Data("token=guess".utf8), followRedirects: false)
            #expect(wrong.status == 401 && wrong.headers["Set-Cookie"].isEmpty)
        }
    }

    @Test func withoutAnAdminTokenThePageDoesNotExist() async throws {
        try await RunHarness.with(adminToken: nil) { h in
            for path in ["/ui", "/ui/login"] {
                let reply = try await Client.send(h.server.baseURL + path, method: .GET, followRedirects: false)
                #expect(reply.status == 404, "\(path)")
            }
        }
    }

    @Test(arguments: Backend.all) func livePrecisionIsTheShareOfWrittenLabelsNoHumanRemovedWithinAWeek(_ backend: Backend) async throws {
        try await RunHarness.with(backend: backend, issues: [1, 2, 3, 4], adminToken: Self.token) { h in
            for number in 1...4 { _ = try await h.deliver(issue: number) }
            h.server.clock.advance(by: 15)
            #expect(try await h.runner().run(trigger: .manual).records.count == 4)
            // A maintainer removes groomer's `bug` from issue 3, and adds `documentation` to issue 4.
            for (number, fixture, label) in [(3, "issues/unlabeled.payload.json", "bug"), (4, "issues/labeled.payload.json", "documentation")] {
                _ = try await h.deliver(fixture, issue: number, event: "issues") { payload in
                    payload["label"] = ["name": label, "color": "ededed"]
                    payload["sender"] = ["login": "maintainer", "type": "User"]
                }
            }
            let cookie = try await Self.login(h)
            let page = try await Client.send(h.server.baseURL + "/ui", method: .GET, headers: [("Cookie", cookie)], followRedirects: false)
            #expect(page.status == 200)
            let row = try #require(Self.precisionRow(page.body, label: "bug"))
            #expect(row == ["bug", "4", "1", "75%", "0"], "written 4, removed 1: 3 of 4 kept")
            #expect(Self.precisionRow(page.body, label: "documentation") == ["documentation", "0", "0", "–", "1"])
            // The chart's last week: the four grooms and the one correction, each a bar with its count.
            #expect(page.body.contains("<title>4 grooms</title>") && page.body.contains("<title>1 correction</title>"), "\(page.body)")
        }
    }

    /// The cells of the live-precision row of `label`.
    static func precisionRow(_ html: String, label: String) -> [String]? {
        guard let section = html.range(of: #"<section id="precision">"#).map({ html[$0.upperBound...] }),
              let end = section.range(of: "</section>") else { return nil }
        let rows = section[..<end.lowerBound].components(separatedBy: "<tr>").dropFirst()
        for row in rows {
            let cells = row.components(separatedBy: "<td").dropFirst().map { cell -> String in
                let text = cell.drop { $0 != ">" }.dropFirst()
                return String(text.prefix { $0 != "<" })
            }
            if cells.first == label { return cells }
        }
        return nil
    }
}
