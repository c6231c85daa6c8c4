import Foundation

/// The real `groomer` executable run as a child process, with its output captured.
final class GroomerProcess: @unchecked Sendable {  // @unchecked: output buffers are guarded by `lock`
    let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var portContinuation: CheckedContinuation<Int, any Error>?
    private var port: Int?
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    /// Entered by each pipe reader, left at its end of file.
    private let readers = DispatchGroup()

    init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) {
        process.executableURL = Fixtures.groomerExecutable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GROOMER_") }
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = outPipe, err = errPipe
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
    }

    /// Reads `handle` to its end on a thread of its own, with blocking reads. `readabilityHandler`
    /// would install a libdispatch read source, whose teardown races the descriptor's close and
    /// has crashed whole test runs on Linux (swift-corelibs-libdispatch issue 949).
    private func startReader(_ handle: FileHandle, _ receive: @escaping @Sendable (Data) -> Void) {
        readers.enter()
        let descriptor = handle.fileDescriptor
        let thread = Thread { [readers] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    receive(Data(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            readers.leave()
        }
        thread.start()
    }

    private func receivedStderr(_ chunk: Data) {
        let continuation: CheckedContinuation<Int, any Error>?
        var found: Int?
        (continuation, found) = lock.withLock {
            stderrData.append(chunk)
            guard port == nil else { return (nil, nil) }
            let text = String(decoding: stderrData, as: UTF8.self)
            for line in text.split(separator: "\n") where line.contains("listening") {
                if let range = line.range(of: #"port=(\d+)"#, options: .regularExpression) {
                    port = Int(line[range].dropFirst(5))
                    let waiting = portContinuation
                    portContinuation = nil
                    return (waiting, port)
                }
            }
            return (nil, nil)
        }
        if let continuation, let found { continuation.resume(returning: found) }
    }

    func start() throws {
        try process.run()
        startReader(outPipe.fileHandleForReading) { [weak self] chunk in
            guard let self else { return }
            self.lock.withLock { self.stdoutData.append(chunk) }
        }
        startReader(errPipe.fileHandleForReading) { [weak self] chunk in self?.receivedStderr(chunk) }
    }

    /// The port the server logs when it listens; fails if the process exits first.
    func listeningPort(timeout: TimeInterval = 60) async throws -> Int {
        let exited = Task { [process] in
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        }
        defer { exited.cancel() }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let ready = self.lock.withLock { () -> Int? in
                        if let port = self.port { return port }
                        self.portContinuation = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                throw ProcessFailure(message: "no listening line within \(timeout) s: \(self.stderr)")
            }
            group.addTask {
                while self.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                throw ProcessFailure(message: "exited with \(self.process.terminationStatus) before listening: \(self.stderr)")
            }
            let port = try await group.next()!
            group.cancelAll()
            self.lock.withLock { self.portContinuation = nil }
            return port
        }
    }

    /// Waits until standard error holds `text` (the process writes it when something happened),
    /// for at most `timeout`; returns whether it came.
    func waitForStderr(containing text: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderr.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return stderr.contains(text)
    }

    /// Runs to completion and returns the exit status.
    func run() async throws -> Int32 {
        try start()
        return await waitForExit()
    }

    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                self.readers.wait()  // everything the process wrote has been read
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }

    var stdout: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }

    /// Peak resident set size (VmHWM) in bytes, from /proc.
    var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
