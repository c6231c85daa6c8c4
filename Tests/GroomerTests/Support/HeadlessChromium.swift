import Foundation
import GroomerCore
#if canImport(Glibc)
import Glibc
#endif

/// Debian's `chromium`, headless, driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands on its fd 3, answers and events on its fd 4, each one
/// JSON text ending in a NUL byte). One page, attached with a flat session.
final class HeadlessChromium: @unchecked Sendable {  // @unchecked: one test drives it at a time; the pipe state is touched only from `exchange`'s queue
    enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case spawn(Int32)
        case closed
        case protocolError(String)
        case timedOut(String)

        var description: String {
            switch self {
            case .notInstalled: return "chromium is not installed (scripts/system-packages installs it)"
            case .spawn(let code): return "chromium did not start (posix_spawn \(code))"
            case .closed: return "chromium closed its pipe"
            case .protocolError(let message): return "DevTools: \(message)"
            case .timedOut(let what): return "chromium: no \(what) within 30 s"
            }
        }
    }

    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private var pid: pid_t = 0
    private let commands: Int32
    private let answers: Int32
    private let queue = DispatchQueue(label: "chromium-pipe")
    private var pending: [UInt8] = []
    private var events: [JSONValue] = []
    private var nextID = 1
    private var session: String?
    private let profile: URL

    init() throws {
        guard let executable = Self.executable else { throw Failure.notInstalled }
        profile = try Fixtures.temporaryDirectory()
        var toChromium: [Int32] = [0, 0], fromChromium: [Int32] = [0, 0]
        guard pipe(&toChromium) == 0, pipe(&fromChromium) == 0 else { throw Failure.spawn(errno) }
        // Above 10 first, so that moving them to 3 and 4 cannot overwrite one another.
        let childReads = fcntl(toChromium[0], F_DUPFD_CLOEXEC, 10), childWrites = fcntl(fromChromium[1], F_DUPFD_CLOEXEC, 10)
        close(toChromium[0])
        close(fromChromium[1])
        commands = toChromium[1]
        answers = fromChromium[0]
        _ = fcntl(commands, F_SETFD, FD_CLOEXEC)
        _ = fcntl(answers, F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childReads, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrites, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--window-size=1280,1800", "about:blank"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        close(childReads)
        close(childWrites)
        guard status == 0 else { throw Failure.spawn(status) }
    }

    deinit {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(commands)
        close(answers)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Opens a page and attaches to it; the commands after go to that page.
    func openPage() async throws {
        let target = try await send("Target.createTarget", ["url": .string("about:blank")], toPage: false)
        guard let id = target["targetId"]?.string else { throw Failure.protocolError("no targetId") }
        let attached = try await send("Target.attachToTarget", ["targetId": .string(id), "flatten": .bool(true)], toPage: false)
        session = attached["sessionId"]?.string
        _ = try await send("Page.enable")
        _ = try await send("Runtime.enable")
    }

    /// Goes to `url` and waits for its load event (after any redirects).
    func navigate(_ url: String) async throws {
        try await waitingForLoad { _ = try await self.send("Page.navigate", ["url": .string(url)]) }
    }

    /// Runs `action`, then waits for the page's next load event.
    func waitingForLoad(_ action: () async throws -> Void) async throws {
        queue.sync { events.removeAll { $0["method"]?.string == "Page.loadEventFired" } }
        try await action()
        _ = try await event("Page.loadEventFired")
    }

    /// The value of a JavaScript expression in the page.
    @discardableResult
    func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await send("Runtime.evaluate", ["expression": .string(expression), "returnByValue": .bool(true)])
        if let exception = result["exceptionDetails"] { throw Failure.protocolError("\(expression): \(exception)") }
        return result["result"]?["value"] ?? .null
    }

    /// A PNG of the whole page.
    func screenshot() async throws -> Data {
        let shot = try await send("Page.captureScreenshot", ["format": .string("png"), "captureBeyondViewport": .bool(true)])
        guard let data = shot["data"]?.string.flatMap({ Data(base64Encoded: $0) }) else { throw Failure.protocolError("no screenshot") }
        return data
    }

    // MARK: The pipe

    func send(_ method: String, _ parameters: [String: JSONValue] = [:], toPage: Bool = true) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try self.exchange(method, parameters, toPage: toPage))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func event(_ method: String) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    let deadline = Date().addingTimeInterval(30)
                    while true {
                        if let index = self.events.firstIndex(where: { $0["method"]?.string == method }) {
                            continuation.resume(returning: self.events.remove(at: index))
                            return
                        }
                        guard Date() < deadline else { throw Failure.timedOut(method) }
                        self.events.append(try self.readMessage(until: deadline))
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func exchange(_ method: String, _ parameters: [String: JSONValue], toPage: Bool) throws -> JSONValue {
        let id = nextID
        nextID += 1
        var message: [String: JSONValue] = ["id": .number(Double(id)), "method": .string(method), "params": .object(parameters)]
        if toPage, let session { message["sessionId"] = .string(session) }
        var bytes = Array(JSONValue.object(message).description.utf8)
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure.closed }
            written += n
        }
        let deadline = Date().addingTimeInterval(30)
        while true {
            let answer = try readMessage(until: deadline)
            if answer["id"]?.number == Double(id) {
                if let error = answer["error"] { throw Failure.protocolError("\(method): \(error)") }
                return answer["result"] ?? .null
            }
            events.append(answer)
        }
    }

    private func readMessage(until deadline: Date) throws -> JSONValue {
        while true {
            if let end = pending.firstIndex(of: 0) {
                let text = Array(pending[..<end])
                pending.removeSubrange(...end)
                return try JSONValue.parse(Data(text))
            }
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard poll(&poller, 1, wait) > 0 else { throw Failure.timedOut("answer") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = read(answers, &chunk, chunk.count)
            guard n > 0 else { throw Failure.closed }
            pending += chunk[..<n]
        }
    }
}
