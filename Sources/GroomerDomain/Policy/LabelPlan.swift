/// What the groomer will write to one issue: labels to add (one POST) and to remove (one DELETE each).
public struct LabelPlan: Sendable, Equatable, Codable {
    public var add: [String]
    public var remove: [String]

    public init(add: [String] = [], remove: [String] = []) {
        self.add = add
        self.remove = remove
    }

    public var isEmpty: Bool { add.isEmpty && remove.isEmpty }

    /// `+bug -question`, or `no change`.
    public var rendered: String {
        guard !isEmpty else { return "no change" }
        return (add.map { "+\($0)" } + remove.map { "-\($0)" }).joined(separator: " ")
    }
}

/// What a human did to one label of an issue, as far as groomer knows.
public struct HumanLabelHistory: Sendable, Equatable {
    /// Labels a human removed (and did not add back since): never re-added by the groomer.
    public var removed: Set<String> = []
    /// Labels a human added (or re-added): never removed by the groomer.
    public var added: Set<String> = []

    public init(removed: Set<String> = [], added: Set<String> = []) {
        self.removed = removed
        self.added = added
    }

    /// The latest decision per label wins.
    public init(decisions: [LabelDecision]) {
        var latest: [String: LabelDecision.Change] = [:]
        for decision in decisions.sorted(by: { $0.decidedAt < $1.decidedAt }) { latest[decision.label.lowercased()] = decision.change }
        removed = Set(latest.filter { $0.value == .removed }.keys)
        added = Set(latest.filter { $0.value == .added }.keys)
    }
}
