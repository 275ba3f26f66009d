import Foundation
import HyperOpt

/// One finished trial, in the order trials ended, with the front's hypervolume once it counted.
public struct FrontPoint: Sendable, Hashable {
    public var trial: Int
    /// Finished trials up to and including this one (1, 2, ...): the x axis "trials".
    public var index: Int
    public var endedAt: Date
    public var state: TrialState
    public var hypervolume: Double
    /// Whether the hypervolume grew here.
    public var gained: Bool
}

/// The last trial that grew the hypervolume, and by how much.
public struct FrontGain: Sendable, Hashable {
    public var trial: Int
    public var gain: Double
}

/// How the Pareto front of a study of several objectives grew: the hypervolume of the feasible
/// sets' means after each finished trial, in the order trials ended, against one reference point
/// for the whole curve. The reference is, per objective, the worst mean of a feasible set now
/// plus 10% of the means' range: it moves only when a set's mean leaves that range, and then
/// the whole curve is made again against the new one, so every point of a curve on screen is
/// measured from the same place. Otherwise a trial's end only extends the curve: the replay's
/// state (each set's sums, the front) is kept, so a frame never recomputes and an end costs
/// one front update and one hypervolume of the front.
public struct FrontHistory: Sendable {
    public private(set) var points: [FrontPoint] = []
    /// The reference point in the objectives' own units; nil before a feasible set has a mean.
    public private(set) var reference: [Double]?
    public private(set) var startedAt: Date?
    public private(set) var lastGain: FrontGain?
    /// The hypervolume now (0 before the front has a point inside the reference).
    public var hypervolume: Double { points.last?.hypervolume ?? 0 }

    /// What a set's complete runs add up to, as `ParamSetStats` keeps them.
    private struct SetSums: Sendable {
        var objectives: [Double]
        var runs = 1
        var constraints: [Double]?
        var constraintRuns = 0
    }

    private var directions: [Direction] = []
    private var referenceLoss: [Double] = []
    /// Trial numbers replayed so far, in the order they ended.
    private var replayed: [Int] = []
    private var sums: [Int: SetSums] = [:]
    /// Each set that may stand on the front (feasible, a mean per objective, none NaN): its losses.
    private var candidates: [Int: [Double]] = [:]
    /// The sets on the front now.
    private var front: [Int] = []

    public init() {}

    /// The history of `study`'s front; `previous` (this study's history as it was) is extended
    /// when the reference has not moved and the trials it replayed ended first.
    public init(_ study: Study, continuing previous: FrontHistory? = nil) {
        let directions = study.directions
        guard directions.count > 1 else { return }
        let trials = study.trials
        var ends: [(at: Date, number: Int, index: Int)] = []
        for i in trials.indices { if let o = trials[i].outcome { ends.append((o.endedAt, trials[i].number, i)) } }
        ends.sort { ($0.at, $0.number) < ($1.at, $1.number) }
        let referenceLoss = Self.referenceLoss(study.paramSets, directions: directions)
        if let previous, previous.directions == directions, previous.referenceLoss == referenceLoss,
           previous.replayed.count <= ends.count, zip(previous.replayed, ends).allSatisfy({ $0 == $1.number }) {
            self = previous
        } else {
            self.directions = directions
            self.referenceLoss = referenceLoss
            // Negating a loss back gives the value.
            reference = referenceLoss.isEmpty ? nil : Pareto.losses(referenceLoss, directions: directions)
        }
        startedAt = study.info?.startedAt ?? trials.map(\.launch.startedAt).min()
        for end in ends.dropFirst(replayed.count) {
            guard let o = trials[end.index].outcome else { continue }
            replay(o, set: trials[end.index].launch.paramSet)
        }
    }

    /// Per objective (as losses), the worst finite mean of a feasible set plus 10% of the means'
    /// range (10% of the value's size, at least 0.1, while every set has the same); empty
    /// without such a set.
    static func referenceLoss(_ sets: [ParamSetStats], directions: [Direction]) -> [Double] {
        var lo = [Double](repeating: .infinity, count: directions.count)
        var hi = [Double](repeating: -.infinity, count: directions.count)
        for s in sets where s.isFeasible {
            guard let means = s.means, means.count == directions.count else { continue }
            for (k, v) in Pareto.losses(means, directions: directions).enumerated() where v.isFinite {
                lo[k] = min(lo[k], v)
                hi[k] = max(hi[k], v)
            }
        }
        guard zip(lo, hi).allSatisfy({ $0 <= $1 }) else { return [] }
        return zip(lo, hi).map { lo, hi in hi + (hi > lo ? 0.1 * (hi - lo) : 0.1 * max(abs(hi), 1)) }
    }

    private mutating func replay(_ o: TrialOutcome, set: Int) {
        let before = hypervolume
        var hv = before
        if o.state == .complete, let score = o.score, !score.isNaN {
            let values = o.values ?? [score]
            if var s = sums[set] {
                // The same arithmetic as `ParamSetStats.means`: runs summed in order, then divided.
                if s.objectives.count == values.count { for k in values.indices { s.objectives[k] += values[k] } }
                s.runs += 1
                add(o.constraints, to: &s)
                sums[set] = s
            } else {
                var s = SetSums(objectives: values)
                add(o.constraints, to: &s)
                sums[set] = s
            }
            // Only a changed front changes the volume (late in a study most sets join no front).
            if update(set) {
                hv = front.isEmpty || referenceLoss.isEmpty ? 0 : Pareto.hypervolume(front.compactMap { candidates[$0] }, reference: referenceLoss)
            }
        }
        let gained = hv > before * (1 + 1e-12) && hv > 0
        if gained { lastGain = FrontGain(trial: o.number, gain: hv - before) }
        replayed.append(o.number)
        points.append(FrontPoint(trial: o.number, index: points.count + 1, endedAt: o.endedAt, state: o.state,
                                 hypervolume: hv, gained: gained))
    }

    private func add(_ constraints: [Double]?, to s: inout SetSums) {
        guard let constraints else { return }
        if let old = s.constraints {
            if old.count == constraints.count { s.constraints = zip(old, constraints).map(+) }
        } else {
            s.constraints = constraints
        }
        s.constraintRuns += 1
    }

    /// A set's means changed: it joins the front, leaves it, or the front is found again.
    /// Returns whether the front (its sets or their points) may have changed.
    private mutating func update(_ set: Int) -> Bool {
        guard let s = sums[set] else { return false }
        let means = s.objectives.map { $0 / Double(s.runs) }
        let feasible = s.constraints.map { c in c.allSatisfy { $0 / Double(s.constraintRuns) <= 0 } } ?? true
        let loss: [Double]? = feasible && means.count == directions.count && !means.contains(where: \.isNaN)
            ? Pareto.losses(means, directions: directions) : nil
        let old = candidates[set]
        candidates[set] = loss
        if old == nil, let loss {
            // A new point: it joins unless a front point dominates it, and removes those it dominates.
            // Points off the front stay off: what dominated them still is, or the new point does.
            guard !front.contains(where: { candidates[$0].map { Pareto.dominates($0, loss) } ?? false }) else { return false }
            front.removeAll { candidates[$0].map { Pareto.dominates(loss, $0) } ?? true }
            front.append(set)
            return true
        } else if old != loss {
            // A mean moved (a repeat) or the set became infeasible: sets it dominated may be back.
            let entries = candidates.sorted { $0.key < $1.key }
            front = Pareto.front(entries.map(\.value)).map { entries[$0].key }
            return true
        }
        return false
    }
}
