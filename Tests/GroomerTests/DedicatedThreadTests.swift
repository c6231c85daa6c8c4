import Foundation
import Testing
@testable import GroomerCore

/// The threads that blocking C calls run on: one OS thread each, named so that
/// `top -H`, `perf` and a debugger tell the store's thread from the HTTP server's.
@Suite struct DedicatedThreadTests {
    @Test func jobsRunOnOneThreadThatCarriesItsName() async throws {
        let thread = DedicatedThread(name: "groomer-test-thread-long-name")
        defer { thread.stop() }
        let seen = try await withThrowingTaskGroup(of: (name: String, thread: pthread_t).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await thread.run {
                        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
                        return (comm.trimmingCharacters(in: .newlines), pthread_self())
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(seen.map(\.thread)).count == 1, "every job ran on the same OS thread")
        // The kernel keeps 15 bytes of a thread's name.
        #expect(seen.allSatisfy { $0.name == "groomer-test-th" })
    }
}
