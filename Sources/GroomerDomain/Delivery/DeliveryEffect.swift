import Foundation

/// What a verified delivery does to the store.
public enum DeliveryEffect: Sendable, Equatable {
    /// Issue activity: enqueue or coalesce a groom request.
    case groom(IssueKey, installationID: Int64?, snapshot: IssueSnapshot?)
    /// The issue left the triage's reach (closed, deleted, transferred): drop its pending request.
    case cancel(IssueKey, reason: String)
    /// A human added or removed a label: remembered so the policy never overrides it.
    case labelDecision(LabelDecision)
    /// GitHub's hello when a hook is created.
    case ping(hookID: String)
    /// Recorded, nothing else.
    case ignore(reason: String)
    /// Verified but unusable (bad JSON, missing fields): recorded as rejected, answered 400.
    case reject(reason: String)
}

/// A delivery after mapping: what to record about it and what it does.
public struct MappedDelivery: Sendable, Equatable {
    public var action: String?
    public var repository: String?
    public var issueNumber: Int?
    public var sender: String?
    public var installationID: Int64?
    public var effect: DeliveryEffect
    /// A push to the default branch that changed `.github/groomer.yml`: the repository's policy
    /// is read again at its next groom.
    public var touchesRepositoryConfig = false

    public init(action: String? = nil, repository: String? = nil, issueNumber: Int? = nil, sender: String? = nil,
                installationID: Int64? = nil, effect: DeliveryEffect, touchesRepositoryConfig: Bool = false) {
        self.action = action
        self.repository = repository
        self.issueNumber = issueNumber
        self.sender = sender
        self.installationID = installationID
        self.effect = effect
        self.touchesRepositoryConfig = touchesRepositoryConfig
    }
}
