import Foundation

/// One finished trial in the order trials finished, with the study's best after it.
public struct HistoryPoint: Sendable, Hashable {
    public var trial: Int
    /// Finished trials up to and including this one (1, 2, ...): the x axis "trials".
    public var index: Int
    public var endedAt: Date
    public var state: TrialState
    /// The trial's own score (complete trials only).
    public var score: Double?
    /// The best parameter set's mean once this trial counted (nil before any score).
    public var best: Double?
    /// Whether the best reached a new record here.
    public var improved: Bool
    /// The record best so far (the best `best` up to here): a step line that never goes back,
    /// where `best` may worsen when the leading set's mean drops with a repeat.
    public var record: Double?
}

/// How the study got where it is: every finished trial's score and the best-so-far, in the
/// order trials ended, and how long the best has stood still.
public struct StudyHistory: Sendable, Hashable {
    public var points: [HistoryPoint] = []
    /// The record best (of the best set's mean) and where it was set.
    public var record: Double?
    public var recordTrial: Int?
    public var recordAt: Date?
    /// Finished trials since the record was set (0 when the last finished trial set it).
    public var trialsSinceRecord = 0
    public var startedAt: Date?

    public init() {}

    public init(_ study: Study) {
        let direction = study.direction
        // Indexes, not records: a record holds its whole metric series.
        let trials = study.trials
        var ends: [(at: Date, number: Int, index: Int)] = []
        for i in trials.indices { if let o = trials[i].outcome { ends.append((o.endedAt, trials[i].number, i)) } }
        ends.sort { ($0.at, $0.number) < ($1.at, $1.number) }
        startedAt = study.info?.startedAt ?? trials.indices.map { trials[$0].launch.startedAt }.min()
        var sums: [Int: (total: Double, n: Int)] = [:]
        var means: [Int: Double] = [:]
        var bestSet: Int?
        for (i, end) in ends.enumerated() {
            let o = trials[end.index].outcome!
            let number = end.number, set = trials[end.index].launch.paramSet
            var score: Double?
            // As `Study.best` ranks: ±inf counts (Optuna's best of a minimize study with -inf is that trial).
            if o.state == .complete, let s = o.score, !s.isNaN {
                score = s
                let old = sums[set] ?? (0, 0)
                sums[set] = (old.total + s, old.n + 1)
                let mean = (old.total + s) / Double(old.n + 1)
                means[set] = mean
                if let b = bestSet, b != set {
                    if let bm = means[b], direction.isBetter(mean, than: bm) { bestSet = set }
                } else if bestSet == set {
                    // The leader's own mean moved (a repeat): another set may lead now. Ties go
                    // to the older set, as `Study.best` gives them.
                    var lead: (set: Int, mean: Double)?
                    for (k, m) in means.sorted(by: { $0.key < $1.key }) where lead == nil || direction.isBetter(m, than: lead!.mean) {
                        lead = (k, m)
                    }
                    bestSet = lead?.set
                } else {
                    bestSet = set
                }
            }
            let best = bestSet.flatMap { means[$0] }
            var improved = false
            if let best, record == nil || direction.isBetter(best, than: record!) {
                record = best
                recordTrial = number
                recordAt = o.endedAt
                improved = true
                trialsSinceRecord = 0
            } else {
                trialsSinceRecord += 1
            }
            points.append(HistoryPoint(trial: number, index: i + 1, endedAt: o.endedAt, state: o.state, score: score,
                                       best: best, improved: improved, record: record))
        }
    }

    /// Seconds since the record was set (nil before any score).
    public func timeSinceRecord(now: Date) -> TimeInterval? {
        recordAt.map { max(0, now.timeIntervalSince($0)) }
    }
}
