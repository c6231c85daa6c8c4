import Foundation
import Synchronization

/// The models in force, as the store keeps them, held in memory for the groom's synchronous
/// look-up; `refresh` picks up what another process (or replica) trained.
public final class StoredModels: LabelModelSource {
    private let models = Mutex<[String: LabelModel]>([:])

    public init() {}

    /// Loads every stored model.
    public static func load(from store: any ModelStore) async throws -> StoredModels {
        let models = StoredModels()
        try await models.refresh(from: store)
        return models
    }

    public func model(for repository: String) -> LabelModel? {
        models.withLock { $0[repository.lowercased()] }
    }

    /// Puts a model in force at once (the process that trained it).
    public func use(_ stored: StoredModel) {
        models.withLock { $0[stored.repository.lowercased()] = stored.model }
    }

    /// Reloads the models whose stored version differs from the one in memory.
    public func refresh(from store: any ModelStore) async throws {
        for (repository, version) in try await store.modelVersions() {
            guard model(for: repository)?.version != version else { continue }
            use(try await store.storedModel(for: repository) ?? StoredModel(repository: repository, status: .tooFewExamples,
                                                                             trainedAt: Date(), examples: 0, decisionsSeen: 0))
        }
    }
}
