import Foundation

/// A running trial as a pruner sees it: its criterion's values, one per evaluation, in order
/// (`values[k]` is Optuna's step k).
public struct PruneSubject: Sendable {
    public var number: Int
    public var values: [Double]
    public init(number: Int, values: [Double]) {
        self.number = number
        self.values = values
    }

    /// A repeat as its set is judged: at each of its evaluations, the mean of its value and the
    /// values of the set's other runs that reached that evaluation.
    public static func setMean(_ own: [Double], siblings: [[Double]]) -> [Double] {
        guard !siblings.isEmpty else { return own }
        return own.indices.map { i in
            let at = [own[i]] + siblings.compactMap { $0.count > i ? $0[i] : nil }
            return at.reduce(0, +) / Double(at.count)
        }
    }
}

/// The study as a pruner sees it.
public struct PruneContext: Sendable {
    /// COMPLETE trials' criterion values, one per evaluation.
    public var completed: [(number: Int, values: [Double])]
    public var direction: Direction
    /// Hyperband's brackets are drawn from it (as Optuna does from `<study_name>_<number>`).
    public var studyName: String
    public var criterion: String
    public init(completed: [(number: Int, values: [Double])], direction: Direction, studyName: String, criterion: String) {
        self.completed = completed
        self.direction = direction
        self.studyName = studyName
        self.criterion = criterion
    }
}

/// Decides, after each evaluation of a running trial, whether to stop it, with the reason: the
/// rule, the evaluation and the threshold it was held to. Optuna's pruners, decision for
/// decision (PrunerParityTests replays the same curves through Optuna's own).
public protocol TrialPruner: Sendable {
    /// Called once per new evaluation of `subject`, in order: why to stop it, nil to keep it
    /// running. `bar` is set to the value the evaluation was held against (the median of the
    /// completed trials there, a rung's cut-off, a bound), left nil when nothing was judged.
    mutating func judge(_ subject: PruneSubject, _ context: PruneContext, bar: inout Double?) -> String?
    /// After a resume: what the pruner had recorded about these trials (any state), from their curves.
    mutating func restore(_ curves: [(number: Int, values: [Double])], _ context: PruneContext)
}

/// A pruner's decision on one evaluation: why to stop the trial (nil: it goes on), and the value
/// the evaluation was held against, which the trial's detail draws over its curve.
public struct PruneVerdict: Sendable, Equatable {
    public var reason: String?
    public var bar: Double?
    public init(reason: String?, bar: Double?) {
        self.reason = reason
        self.bar = bar
    }
}

extension TrialPruner {
    /// Judges one new evaluation of `subject` (see `judge`).
    public mutating func prune(_ subject: PruneSubject, _ context: PruneContext) -> PruneVerdict {
        var bar: Double?
        let reason = judge(subject, context, bar: &bar)
        return PruneVerdict(reason: reason, bar: bar)
    }

    public mutating func restore(_ curves: [(number: Int, values: [Double])], _ context: PruneContext) {}
}

public enum PrunerFactory {
    public static func make(_ spec: PrunerSpec) -> (any TrialPruner)? {
        switch spec {
        case .none: return nil
        case .median(let o): return PercentilePruner(percentile: 50, options: o, label: "median")
        case .percentile(let p, let o): return PercentilePruner(percentile: p, options: o, label: "percentile \(PruneText.number(p))")
        case .successiveHalving(let o): return SuccessiveHalvingPruner(o)
        case .hyperband(let o): return HyperbandPruner(o)
        case .threshold(let o): return ThresholdPruner(options: o)
        case .patient(let o, let wrapped): return PatientPruner(options: o, wrapped: wrapped.flatMap(make))
        case .wandbHyperband(let o): return WandbHyperbandPruner(options: o)
        }
    }
}

enum PruneText {
    static func number(_ v: Double) -> String { String(format: "%.4g", v) }
    /// 1-based, as people count evaluations.
    static func evaluation(_ step: Int) -> String { "evaluation \(step + 1)" }
}

/// Optuna's `_is_first_in_interval_step` for consecutive evaluations: checked at warm-up + k·interval.
func isPruningStep(_ step: Int, warmup: Int, interval: Int) -> Bool {
    let nearest = (step - warmup) / interval * interval + warmup
    return step - 1 < nearest
}

/// numpy's `nanpercentile` with its default linear method, bit for bit (its `_lerp` form).
func nanPercentile(_ xs: [Double], _ qPercent: Double) -> Double {
    let v = xs.filter { !$0.isNaN }.sorted()
    guard !v.isEmpty else { return .nan }
    let n = v.count
    let vi = Double(n - 1) * (qPercent / 100)
    let a: Double, b: Double, t: Double
    if vi >= Double(n - 1) {
        a = v[n - 1]; b = v[n - 1]; t = vi + 1
    } else {
        let lo = Int(vi.rounded(.down))
        a = v[lo]; b = v[lo + 1]; t = vi - Double(lo)
    }
    let d = b - a
    return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/// numpy's nanmax / nanmin: NaN when every value is NaN.
func nanBest(_ xs: some Sequence<Double>, _ direction: Direction) -> Double {
    var best = Double.nan
    for x in xs where !x.isNaN {
        if best.isNaN || (direction == .maximize ? x > best : x < best) { best = x }
    }
    return best
}

/// Optuna's `PercentilePruner` (and `MedianPruner` at 50): the trial's best so far against the
/// percentile of the completed trials at the same evaluation.
public struct PercentilePruner: TrialPruner {
    public let percentile: Double
    public let options: MedianPrunerOptions
    let label: String

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar lastBar: inout Double?) -> String? {
        guard !c.completed.isEmpty, c.completed.count >= options.nStartupTrials, !s.values.isEmpty else { return nil }
        let step = s.values.count - 1
        guard step >= options.nWarmupSteps, isPruningStep(step, warmup: options.nWarmupSteps, interval: options.intervalSteps) else { return nil }
        let best = nanBest(s.values, c.direction)
        if best.isNaN { return "pruned by \(label) at \(PruneText.evaluation(step)): every value of \(c.criterion) so far is NaN" }
        let xs = c.completed.compactMap { $0.values.count > step ? $0.values[step] : nil }
        guard xs.count >= options.nMinTrials, xs.contains(where: { !$0.isNaN }) else { return nil }
        let maximize = c.direction == .maximize
        let p = nanPercentile(xs, maximize ? 100 - percentile : percentile)
        if !p.isNaN { lastBar = p }
        guard !p.isNaN, maximize ? best < p : best > p else { return nil }
        return "pruned by \(label) at \(PruneText.evaluation(step)): best \(c.criterion) \(PruneText.number(best)) so far is "
            + "\(maximize ? "below" : "above") \(PruneText.number(p)), the \(label) of \(xs.count) completed trial\(xs.count == 1 ? "" : "s") there"
    }
}

/// Optuna's `SuccessiveHalvingPruner` (ASHA): at rung k (evaluation `r·η^(s+k)`) a trial goes on
/// only while its value is among the best 1/η of all trials that reached that rung.
public struct SuccessiveHalvingPruner: TrialPruner {
    public let options: SuccessiveHalvingOptions
    var minResource: Int?
    /// rung -> trial -> its value when it reached the rung (Optuna's `completed_rung_k`).
    var rungs: [Int: [Int: Double]] = [:]
    var nextRung: [Int: Int] = [:]
    let label: String

    public init(_ options: SuccessiveHalvingOptions, label: String = "successive halving") {
        self.options = options
        minResource = options.minResource
        self.label = label
    }

    func rungStep(_ rung: Int, _ r: Int) -> Int? {
        var step = r
        for _ in 0..<(options.minEarlyStoppingRate + rung) {
            let (m, overflow) = step.multipliedReportingOverflow(by: options.reductionFactor)
            if overflow { return nil }
            step = m
        }
        return step
    }

    mutating func estimateMinResource(_ c: PruneContext) -> Int? {
        if let minResource { return minResource }
        let lastSteps = c.completed.compactMap { $0.values.isEmpty ? nil : $0.values.count - 1 }
        guard let longest = lastSteps.max() else { return nil }
        minResource = max(longest / 100, 1)
        return minResource
    }

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar lastBar: inout Double?) -> String? {
        guard let value = s.values.last else { return nil }
        let step = s.values.count - 1
        var rung = nextRung[s.number] ?? 0
        while true {
            guard let r = estimateMinResource(c), let at = rungStep(rung, r), step >= at else { return nil }
            if value.isNaN { return "pruned by \(label) at \(PruneText.evaluation(step)) (rung \(rung)): \(c.criterion) is NaN" }
            rungs[rung, default: [:]][s.number] = value
            nextRung[s.number] = rung + 1
            let competing = Array(rungs[rung]!.values)
            if competing.count <= options.bootstrapCount {
                return "pruned by \(label) at \(PruneText.evaluation(step)) (rung \(rung)): one of the first \(options.bootstrapCount) trials to reach it (bootstrap_count)"
            }
            let (promotable, bar) = Self.promotable(value, competing, options.reductionFactor, c.direction)
            lastBar = bar
            if !promotable {
                return "pruned by \(label) at \(PruneText.evaluation(step)) (rung \(rung)): \(c.criterion) \(PruneText.number(value)) is not among the best "
                    + "1/\(options.reductionFactor) of the \(competing.count) trials there (needs \(c.direction == .maximize ? "≥" : "≤") \(PruneText.number(bar)))"
            }
            rung += 1
        }
    }

    /// Optuna's `_is_trial_promotable_to_next_rung`, with the value it had to reach.
    static func promotable(_ value: Double, _ competing: [Double], _ rf: Int, _ direction: Direction) -> (Bool, Double) {
        var idx = competing.count / rf - 1
        if idx == -1 { idx = 0 }
        let sorted = competing.sorted()
        if direction == .maximize {
            let bar = sorted[sorted.count - 1 - idx]
            return (value >= bar, bar)
        }
        let bar = sorted[idx]
        return (value <= bar, bar)
    }

    /// A trial's rung values, as it reached each rung: its value at the rung's evaluation.
    public mutating func restore(_ curves: [(number: Int, values: [Double])], _ c: PruneContext) {
        guard let r = estimateMinResource(c) else { return }
        for (number, values) in curves {
            var rung = 0
            while let at = rungStep(rung, r), at < values.count, !values[at].isNaN {
                rungs[rung, default: [:]][number] = values[at]
                nextRung[number] = rung + 1
                rung += 1
            }
        }
    }
}

/// Optuna's `HyperbandPruner`: each trial is drawn into one bracket (crc32 of
/// `<study>_<number>`, weighted by the brackets' budgets); bracket i halves from rung `r·η^i`,
/// against the trials of its own bracket only.
public struct HyperbandPruner: TrialPruner {
    public let options: HyperbandOptions
    var maxResource: Int?
    var brackets: [SuccessiveHalvingPruner] = []
    var budgets: [Int] = []

    public init(_ options: HyperbandOptions) {
        self.options = options
        maxResource = options.maxResource
    }

    mutating func initialize(_ c: PruneContext) -> Bool {
        if !brackets.isEmpty { return true }
        if maxResource == nil {
            guard let longest = c.completed.compactMap({ $0.values.isEmpty ? nil : $0.values.count - 1 }).max() else { return false }
            maxResource = longest + 1
        }
        let rf = Double(options.reductionFactor)
        let n = Int((log(Double(maxResource!) / Double(options.minResource)) / log(rf)).rounded(.down)) + 1
        for i in 0..<max(1, n) {
            let s = n - 1 - i
            budgets.append(Int((Double(n) * pow(rf, Double(s)) / Double(s + 1)).rounded(.up)))
            brackets.append(SuccessiveHalvingPruner(SuccessiveHalvingOptions(minResource: options.minResource, reductionFactor: options.reductionFactor,
                                                                            minEarlyStoppingRate: i, bootstrapCount: options.bootstrapCount),
                                                    label: "hyperband bracket \(i)"))
        }
        return true
    }

    func bracket(_ number: Int, _ studyName: String) -> Int {
        var n = Int(CRC32.checksum(Array("\(studyName)_\(number)".utf8))) % budgets.reduce(0, +)
        for (i, b) in budgets.enumerated() {
            n -= b
            if n < 0 { return i }
        }
        return budgets.count - 1
    }

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar lastBar: inout Double?) -> String? {
        guard initialize(c) else { return nil }
        let b = bracket(s.number, c.studyName)
        var own = c
        own.completed = c.completed.filter { bracket($0.number, c.studyName) == b }
        return brackets[b].judge(s, own, bar: &lastBar)
    }

    public mutating func restore(_ curves: [(number: Int, values: [Double])], _ c: PruneContext) {
        guard initialize(c) else { return }
        for b in brackets.indices {
            brackets[b].restore(curves.filter { bracket($0.number, c.studyName) == b }, c)
        }
    }
}

/// Optuna's `ThresholdPruner`.
public struct ThresholdPruner: TrialPruner {
    public let options: ThresholdOptions

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar lastBar: inout Double?) -> String? {
        guard let v = s.values.last else { return nil }
        let step = s.values.count - 1
        guard step >= options.nWarmupSteps, isPruningStep(step, warmup: options.nWarmupSteps, interval: options.intervalSteps) else { return nil }
        lastBar = options.lower ?? options.upper
        if v.isNaN { return "pruned by threshold at \(PruneText.evaluation(step)): \(c.criterion) is NaN" }
        if let lower = options.lower, v < lower {
            return "pruned by threshold at \(PruneText.evaluation(step)): \(c.criterion) \(PruneText.number(v)) is below the lower bound \(PruneText.number(lower))"
        }
        if let upper = options.upper, v > upper {
            return "pruned by threshold at \(PruneText.evaluation(step)): \(c.criterion) \(PruneText.number(v)) is above the upper bound \(PruneText.number(upper))"
        }
        return nil
    }
}

/// Optuna's `PatientPruner`: only once the best of the last `patience + 1` evaluations is no
/// better (by more than `min_delta`) than the best before them is the wrapped pruner asked.
public struct PatientPruner: TrialPruner {
    public let options: PatientOptions
    var wrapped: (any TrialPruner)?

    public init(options: PatientOptions, wrapped: (any TrialPruner)?) {
        self.options = options
        self.wrapped = wrapped
    }

    public mutating func judge(_ s: PruneSubject, _ c: PruneContext, bar lastBar: inout Double?) -> String? {
        let n = s.values.count
        guard n > options.patience + 1 else { return nil }
        let before = nanBest(s.values[..<(n - options.patience - 1)], c.direction)
        let after = nanBest(s.values[(n - options.patience - 1)...], c.direction)
        let stalled = c.direction == .maximize ? before - options.minDelta > after : before + options.minDelta < after
        guard stalled else { return nil }
        let why = "no better than \(PruneText.number(before)) in the last \(options.patience + 1) evaluations"
            + (options.minDelta > 0 ? " (min_delta \(PruneText.number(options.minDelta)))" : "")
        guard wrapped != nil else {
            lastBar = before
            return "pruned by patient at \(PruneText.evaluation(n - 1)): \(c.criterion) \(why)"
        }
        return wrapped!.judge(s, c, bar: &lastBar).map { "\($0); patient: \(why)" }
    }

    public mutating func restore(_ curves: [(number: Int, values: [Double])], _ c: PruneContext) {
        wrapped?.restore(curves, c)
    }
}

/// CRC-32 (IEEE 802.3, zlib's and Python's `binascii.crc32`).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
