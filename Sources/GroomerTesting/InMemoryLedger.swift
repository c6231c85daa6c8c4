import Foundation
import GroomerCore
import Synchronization

/// The audit log and label ledger in memory: what a groom reads and writes of the store,
/// for tests of a groom that need no database.
public final class InMemoryLedger: AuditLog, LabelLedger {
    private struct State {
        var runs: [RunRecord] = []
        var grooms: [GroomRecord] = []
        var decisions: [LabelDecision] = []
        var owned: [IssueKey: Set<String>] = [:]
    }

    private let state = Mutex(State())

    public init(decisions: [LabelDecision] = []) {
        state.withLock { $0.decisions = decisions }
    }

    /// Every groom recorded, oldest first.
    public var grooms: [GroomRecord] { state.withLock { $0.grooms } }

    public func startRun(token: String, holder: String, trigger: RunTrigger, now: Date) async throws -> Int64 {
        state.withLock { state in
            let id = Int64(state.runs.count + 1)
            state.runs.append(RunRecord(id: id, holder: holder, trigger: trigger, startedAt: now, finishedAt: nil, summary: RunSummary()))
            return id
        }
    }

    public func finishRun(_ id: Int64, summary: RunSummary, now: Date) async throws {
        state.withLock { state in
            guard let index = state.runs.firstIndex(where: { $0.id == id }) else { return }
            state.runs[index].summary = summary
            state.runs[index].finishedAt = now
        }
    }

    public func runs(limit: Int, before: Int64?) async throws -> [RunRecord] {
        state.withLock { state in Array(state.runs.reversed().filter { run in before.map { run.id < $0 } ?? true }.prefix(limit)) }
    }

    public func recordGroom(_ record: GroomRecord) async throws {
        state.withLock { $0.grooms.append(record) }
    }

    /// As the SQL store answers it: the fingerprint of the last groom that applied, planned, found
    /// nothing to change or was unchanged.
    public func lastFingerprint(_ key: IssueKey) async throws -> String? {
        let settled: Set<GroomRecord.Outcome> = [.applied, .dryRun, .noChange, .unchanged]
        return state.withLock { state in
            state.grooms.last { $0.key == key && $0.fingerprint != nil && settled.contains($0.outcome) }?.fingerprint
        }
    }

    public func groomRecords(for key: IssueKey, limit: Int) async throws -> [GroomRecord] {
        state.withLock { state in Array(state.grooms.reversed().filter { $0.key == key }.prefix(limit)) }
    }

    public func labelDecisions(for key: IssueKey) async throws -> [LabelDecision] {
        state.withLock { state in state.decisions.filter { $0.issue == key }.sorted { $0.decidedAt < $1.decidedAt } }
    }

    public func groomerOwnedLabels(_ key: IssueKey) async throws -> Set<String> {
        state.withLock { $0.owned[key] ?? [] }
    }

    public func recordGroomerLabels(_ key: IssueKey, added: [String], removed: [String], now: Date) async throws {
        state.withLock { state in
            state.owned[key, default: []].formUnion(added)
            state.owned[key, default: []].subtract(removed)
        }
    }
}
