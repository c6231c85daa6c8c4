import Foundation

/// Runs a body on one of a store's connections, on that store's threads: what a role's SQL
/// needs of a backend, whichever it is.
struct SQLExecutor: Sendable {
    let run: @Sendable (_ body: @escaping @Sendable (any SQLConnection) throws -> any Sendable) async throws -> any Sendable

    func callAsFunction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        // `run` hands back what `body` returned, so the cast cannot fail.
        try await run { db in try body(db) } as! T
    }
}

/// The model store on either backend: the statements of `ModelStatements` on the backend's connections.
struct SQLModelStore: ModelStore {
    let connection: SQLExecutor

    func saveModel(_ model: StoredModel) async throws {
        try await connection { db in try ModelStatements.save(model, in: db) }
    }

    func storedModel(for repository: String) async throws -> StoredModel? {
        try await connection { db in try ModelStatements.load(repository, withModel: true, in: db) }
    }

    func modelSummary(for repository: String) async throws -> StoredModel? {
        try await connection { db in try ModelStatements.load(repository, withModel: false, in: db) }
    }

    func modelVersions() async throws -> [String: String?] {
        try await connection { db in try ModelStatements.versions(in: db) }
    }

    func labelDecisions(repository: String) async throws -> [LabelDecision] {
        try await connection { db in try ModelStatements.decisions(repository: repository, in: db) }
    }

    func labelDecisionCount(repository: String) async throws -> Int {
        try await connection { db in try ModelStatements.decisionCount(repository: repository, in: db) }
    }

    func knownRepositories() async throws -> [KnownRepository] {
        try await connection { db in try ModelStatements.repositories(in: db) }
    }

    func acquireTrainingLease(repository: String, token: String, holder: String, ttl: TimeInterval, now: Date) async throws -> Bool {
        try await connection { db in
            try ModelStatements.acquireLease(repository: repository, token: token, holder: holder, ttl: ttl, now: now, in: db)
        }
    }

    func releaseTrainingLease(repository: String, token: String) async throws {
        try await connection { db in try ModelStatements.releaseLease(repository: repository, token: token, in: db) }
    }
}
