import Foundation
import HyperOpt

/// What the dashboard keeps and does for a study of several objectives: the front and its
/// hypervolume, the importance of each objective, the Pareto view's pair and selection. For one
/// objective none of it is made, and every screen stays as it was.
extension DashboardState {
    /// Each objective's name (its criterion, or `values[i]`); `score` for one objective.
    public var objectiveNames: [String] { spec?.objectiveNames ?? ["score"] }

    /// Remade with the summaries, when trials end.
    mutating func resummarizeObjectives() {
        guard study.isMultiObjective else {
            front = []
            frontHistory = FrontHistory()
            objectiveImportances = []
            importanceObjective = 0
            return
        }
        front = study.front
        frontHistory = FrontHistory(study, continuing: frontHistory)
        importanceObjective = min(importanceObjective, study.directions.count - 1)
        objectiveImportances = importanceObjective == 0 ? [] : study.importances(objective: importanceObjective)
    }

    /// The importances the view shows: of the objective Tab chose.
    public var shownImportances: [ParamImportance] { importanceObjective == 0 ? importances : objectiveImportances }

    /// Tab in the importance view: the next objective's importances.
    mutating func nextImportanceObjective() {
        let count = study.directions.count
        guard count > 1 else { return }
        importanceObjective = (importanceObjective + 1) % count
        objectiveImportances = importanceObjective == 0 ? [] : study.importances(objective: importanceObjective)
    }

    /// Whether a set is on the front (for several objectives; the best set for one).
    func isOnFront(_ paramSet: Int) -> Bool {
        study.isMultiObjective ? front.contains { $0.paramSet == paramSet } : best?.paramSet == paramSet
    }

    // MARK: The Pareto view

    /// The pairs of objectives the Pareto view draws, in Tab's order: 0-1, 0-2, ..., 1-2, ...
    public var paretoPairs: [(x: Int, y: Int)] {
        let m = study.directions.count
        guard m > 1 else { return [] }
        return (0..<m).flatMap { i in ((i + 1)..<m).map { (x: i, y: $0) } }
    }

    /// The pair shown now.
    public var paretoAxes: (x: Int, y: Int)? {
        let pairs = paretoPairs
        return pairs.isEmpty ? nil : pairs[min(paretoPair, pairs.count - 1)]
    }

    /// Tab in the Pareto view: the next pair (three objectives or more).
    mutating func nextParetoPair() {
        let count = paretoPairs.count
        guard count > 1 else { return }
        paretoPair = (paretoPair + 1) % count
    }

    /// The front's sets in the side panel's order: best first in the x axis's objective, then by
    /// set number.
    public var paretoOrder: [ParamSetStats] {
        guard let axes = paretoAxes else { return [] }
        let d = study.directions[axes.x]
        return front.sorted { a, b in
            let (x, y) = (a.means?[axes.x] ?? .nan, b.means?[axes.x] ?? .nan)
            return x == y || (x.isNaN && y.isNaN) ? a.paramSet < b.paramSet : d.isBetter(x, than: y)
        }
    }

    /// The selected front set: the one chosen while it stays on the front, else the first.
    public var paretoSelected: ParamSetStats? {
        let order = paretoOrder
        return order.first { $0.paramSet == paretoSet } ?? order.first
    }

    /// j/k in the Pareto view: the next or previous front set, Home/End the ends.
    mutating func moveParetoSelection(_ key: Key) {
        let order = paretoOrder
        guard !order.isEmpty else { return }
        let i = order.firstIndex { $0.paramSet == paretoSelected?.paramSet } ?? 0
        let j: Int
        switch key {
        case .down, .char("j"): j = i + 1
        case .up, .char("k"): j = i - 1
        case .home, .char("g"): j = 0
        case .end, .char("G"): j = order.count - 1
        default: j = i
        }
        paretoSet = order[min(max(j, 0), order.count - 1)].paramSet
    }
}

extension Direction {
    /// "↓" for an objective made small, "↑" for one made large; words in ASCII.
    func arrow(_ glyphs: Glyphs) -> String {
        switch self {
        case .minimize: return glyphs.isUnicode ? "↓" : "(min)"
        case .maximize: return glyphs.isUnicode ? "↑" : "(max)"
        }
    }
}

extension Study {
    /// Importance of each parameter for objective `k` (0-based): each complete trial's k-th value,
    /// one per run as `importances` takes the score (the first objective's is the same).
    public func importances(objective k: Int) -> [ParamImportance] {
        guard let spec = info?.spec, k < directions.count else { return [] }
        let scored = trials.compactMap { t -> (params: Params, score: Double)? in
            guard t.state == .complete, let values = t.outcome?.objectiveValues, k < values.count, values[k].isFinite else { return nil }
            return (t.launch.params, values[k])
        }
        return Importance.compute(space: spec.space, direction: directions[k], trials: scored)
    }
}
