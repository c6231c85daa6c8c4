import CCurl
import Foundation

/// The libcurl transport: one thread drives a multi handle with `curl_multi_poll` and serves
/// every transfer, resuming each caller's continuation when its transfer completes.
///
/// Connections are reused across requests (the multi handle keeps the connection cache),
/// the number of connections is bounded (further transfers queue inside libcurl), and no
/// libcurl call runs on the Swift cooperative pool.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {  // @unchecked: the multi handle is used only on its thread; `inbox` is guarded by `lock`
    private let multi: UnsafeMutableRawPointer
    private let connectTimeout: TimeInterval
    private let lock = NSLock()
    private var inbox: [Command] = []
    private var stopped = false
    /// Transfers in progress, by easy handle; touched only on the transport's thread.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]

    private enum Command {
        case start(Transfer)
        case cancel(Transfer)
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// - Parameters:
    ///   - connectTimeout: how long to wait for a TCP (and TLS) connection.
    ///   - maxConnections: connections open at once, across hosts; transfers beyond wait their turn.
    public init(connectTimeout: TimeInterval = 10, maxConnections: Int = 16) {
        _ = Self.globalInit
        guard let multi = curl_multi_init() else { fatalError("libcurl could not allocate a multi handle (out of memory)") }
        self.multi = multi
        self.connectTimeout = connectTimeout
        groomer_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        groomer_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        let thread = Thread { [self] in
            DedicatedThread.nameCurrentThread("groomer-curl")
            self.loop()
        }
        thread.name = "groomer-curl"
        thread.start()
    }

    /// Stops the thread after the transfers in progress fail with `.cancelled`.
    public func shutdown() {
        lock.withLock { stopped = true }
        curl_multi_wakeup(multi)
    }

    public func send(_ request: OutgoingRequest) async throws -> IncomingResponse {
        let transfer = Transfer(request: request, connectTimeout: connectTimeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                enqueue(.start(transfer))
            }
        } onCancel: {
            enqueue(.cancel(transfer))
        }
    }

    private func enqueue(_ command: Command) {
        let accepted = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            inbox.append(command)
            return true
        }
        if accepted {
            curl_multi_wakeup(multi)
        } else if case .start(let transfer) = command {
            transfer.finish(.failure(TransportError.cancelled))
        }
    }

    private func loop() {
        while true {
            let (commands, stopping) = lock.withLock { () -> ([Command], Bool) in
                defer { inbox.removeAll(keepingCapacity: true) }
                return (inbox, stopped)
            }
            for command in commands {
                switch command {
                case .start(let transfer): start(transfer)
                case .cancel(let transfer): finish(transfer, .failure(TransportError.cancelled))
                }
            }
            if stopping {
                for transfer in Array(active.values) { finish(transfer, .failure(TransportError.cancelled)) }
                curl_multi_cleanup(multi)
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1_000, nil)
        }
    }

    private func start(_ transfer: Transfer) {
        guard transfer.continuation != nil else { return }  // cancelled before it started
        guard let easy = transfer.makeHandle() else {
            transfer.finish(.failure(TransportError.failed("cannot set up the transfer")))
            return
        }
        active[easy] = transfer
        curl_multi_add_handle(multi, easy)
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                  let transfer = active[easy] else { continue }
            let code = groomer_message_result(message)
            finish(transfer, transfer.result(code))
        }
    }

    private func finish(_ transfer: Transfer, _ result: Result<IncomingResponse, any Error>) {
        if let easy = transfer.easy {
            curl_multi_remove_handle(multi, easy)
            active[easy] = nil
        }
        transfer.finish(result)
    }
}

/// One request in flight: its easy handle, the bytes received so far, and the waiting caller.
private final class Transfer: @unchecked Sendable {  // @unchecked: after `start` it is touched only on the transport's thread; `continuation` is set before it is queued
    let request: OutgoingRequest
    let connectTimeout: TimeInterval
    var continuation: CheckedContinuation<IncomingResponse, any Error>?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body = Data()
    var headers: [(name: String, value: String)] = []
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(request: OutgoingRequest, connectTimeout: TimeInterval) {
        self.request = request
        self.connectTimeout = connectTimeout
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let easy { curl_easy_cleanup(easy) }
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func makeHandle() -> UnsafeMutableRawPointer? {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        let user = Unmanaged.passUnretained(self).toOpaque()
        groomer_easy_setopt_string(easy, CURLOPT_URL, request.url)
        groomer_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        groomer_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        groomer_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        groomer_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        groomer_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        groomer_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        groomer_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            guard let data, let user else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
            transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
        })
        groomer_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, user)
        groomer_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, { data, size, count, user in
            guard let data, let user else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
            transfer.receivedHeaderLine(line)
            return size * count
        })
        groomer_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, user)

        switch request.method {
        case "GET": groomer_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "HEAD": groomer_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case "POST": groomer_easy_setopt_long(easy, CURLOPT_POST, 1)
        default: groomer_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            groomer_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { raw in
                // COPYPOSTFIELDS: libcurl keeps its own copy, so the bytes need not outlive this call.
                _ = groomer_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
        } else if request.method == "POST" {
            groomer_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0)
            groomer_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
        }
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        headerList = list
        groomer_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        return easy
    }

    /// A status line starts a new response (after a 100 Continue or a redirect): headers reset.
    func receivedHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers.append((name, value))
    }

    func result(_ code: CURLcode) -> Result<IncomingResponse, any Error> {
        guard code == CURLE_OK else {
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT: return .failure(TransportError.timedOut)
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
                return .failure(TransportError.cannotConnect(detail))
            default: return .failure(TransportError.failed(detail))
            }
        }
        var status = 0
        if let easy { groomer_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
        return .success(IncomingResponse(status: status, headers: headers, body: body))
    }

    func finish(_ result: Result<IncomingResponse, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }
}
