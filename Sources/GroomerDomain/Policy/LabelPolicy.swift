/// Turns the triage's proposals into a plan that never overrides a human: a label a human
/// removed is never re-added, one a human added is never removed, one label per exclusive group.
public struct LabelPolicy: Sendable {
    public var minConfidence: Double
    public var groups: [[String]]
    public var removeLabels: Bool

    public init(minConfidence: Double, groups: [[String]], removeLabels: Bool) {
        self.minConfidence = minConfidence
        self.groups = groups
        self.removeLabels = removeLabels
    }

    public init(_ policy: Policy) {
        self.init(minConfidence: policy.minConfidence, groups: policy.groups, removeLabels: policy.removeLabels)
    }

    /// The plan, and for each proposal left out, why.
    public struct Decision: Sendable, Equatable {
        public var plan: LabelPlan
        public var notes: [String: String]
    }

    /// - Parameters:
    ///   - current: the labels now.
    ///   - candidates: the labels the groomer may add (configured ∩ existing).
    ///   - humans: what humans did to this labels.
    ///   - groomerOwned: labels the groomer added itself earlier.
    public func decide(proposals: [LabelProposal], current: [String], candidates: [LabelInfo],
                       humans: HumanLabelHistory, groomerOwned: Set<String>) -> Decision {
        let currentSet = Set(current.map { $0.lowercased() })
        let candidateSet = Set(candidates.map { $0.name.lowercased() })
        var notes: [String: String] = [:]
        var add: [String] = []
        var chosen = currentSet
        let ranked = proposals.sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.name < $1.name }
        for proposal in ranked {
            let name = proposal.name.lowercased()
            let bar = max(minConfidence, proposal.threshold ?? 0)
            if !candidateSet.contains(name) {
                notes[proposal.name] = "not a candidate label"
            } else if proposal.threshold == .infinity {
                notes[proposal.name] = "the learned model does not reach its target precision for this label"
            } else if proposal.confidence < bar {
                notes[proposal.name] = proposal.confidence < minConfidence
                    ? "confidence \(Self.rounded(proposal.confidence)) below \(minConfidence)"
                    : "confidence \(Self.rounded(proposal.confidence)) below the learned threshold \(Self.rounded(bar))"
            } else if currentSet.contains(name) {
                notes[proposal.name] = "already on the issue"
            } else if humans.removed.contains(name) {
                notes[proposal.name] = "a human removed it"
            } else if let holder = groupConflict(name, with: chosen) {
                notes[proposal.name] = "exclusive group already has \(holder)"
            } else if let rival = tie(proposal, in: ranked, taken: chosen) {
                notes[proposal.name] = "tied with \(rival) at \(Self.rounded(proposal.confidence)) in its exclusive group"
            } else if !add.contains(proposal.name) {
                add.append(proposal.name)
                chosen.insert(name)
            }
        }
        var remove: [String] = []
        if removeLabels {
            let kept = Set(add.map { $0.lowercased() })
                .union(proposals.filter { $0.confidence >= minConfidence }.map { $0.name.lowercased() })
            let owned = Set(groomerOwned.map { $0.lowercased() })
            for label in current where owned.contains(label.lowercased()) && !kept.contains(label.lowercased())
                && !humans.added.contains(label.lowercased()) {
                remove.append(label)
            }
        }
        return Decision(plan: LabelPlan(add: add, remove: remove), notes: notes)
    }

    /// Another proposal of the same exclusive group at the same confidence: neither wins by its name.
    private func tie(_ proposal: LabelProposal, in proposals: [LabelProposal], taken: Set<String>) -> String? {
        let name = proposal.name.lowercased()
        for group in groups {
            let members = Set(group.map { $0.lowercased() })
            guard members.contains(name) else { continue }
            if let rival = proposals.first(where: { $0.name.lowercased() != name && members.contains($0.name.lowercased())
                && $0.confidence == proposal.confidence && !taken.contains($0.name.lowercased()) }) {
                return rival.name
            }
        }
        return nil
    }

    /// The label of `name`'s exclusive group that is already taken, if any.
    private func groupConflict(_ name: String, with taken: Set<String>) -> String? {
        for group in groups {
            let members = group.map { $0.lowercased() }
            guard members.contains(name) else { continue }
            if let holder = members.first(where: { $0 != name && taken.contains($0) }) { return holder }
        }
        return nil
    }

    static func rounded(_ value: Double) -> String { String(format: "%.2f", value) }
}
