import Foundation
import Synchronization

/// The learned models in force, by repository, shared by the groom and the retrainer: the
/// store keeps them, this keeps them decoded in memory.
public final class ModelRegistry: LabelModelSource {
    private let models = Mutex<[String: LabelModel]>([:])

    public init(_ initial: [LabelModel] = []) {
        for model in initial { install(model) }
    }

    public func model(for repository: String) -> LabelModel? {
        models.withLock { $0[repository.lowercased()] }
    }

    public func install(_ model: LabelModel) {
        models.withLock { $0[model.repository.lowercased()] = model }
    }

    public var repositories: [String] { models.withLock { $0.values.map(\.repository).sorted() } }
}
