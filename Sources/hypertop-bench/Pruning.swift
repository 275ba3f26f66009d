import Foundation
import HyperOpt

// Simulated noisy learning curves with known truth, for the pruners and the repeat rules.
// Benchmarks/optuna_pruning_bench.py implements the same curves (the same generator, bit for bit)
// and drives Optuna's own pruners through them.

/// The generator both sides use (hypertop's SplitMix64; the Python side's `Mix`), seeded from
/// two words, so a seed gives the same parameters and curves.
func benchGenerator(_ a: UInt64, _ b: UInt64 = 0) -> SeededGenerator {
    SeededGenerator(seed: a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019))
}

extension SeededGenerator {
    /// Box-Muller, one value per call.
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

enum Curves {
    static let evaluations = 20

    /// The final value a set reaches on average: an early peak at (0.65, 0.35), and a slightly
    /// higher late riser at (0.2, 0.85) whose curve stays flat until 60% of training.
    static func truth(_ x: Double, _ y: Double) -> (value: Double, late: Bool) {
        let early = 0.25 + 0.65 * exp(-((x - 0.65) * (x - 0.65) + (y - 0.35) * (y - 0.35)) / 0.05)
        let late = 0.95 * exp(-((x - 0.2) * (x - 0.2) + (y - 0.85) * (y - 0.85)) / 0.02)
        return late > early ? (late, true) : (early, false)
    }

    /// One run's criterion at each evaluation: its final value (the truth plus seed noise),
    /// shaped by its curve (rising fast, with a plateau in the middle for x < 0.3, or rising late),
    /// plus noise at each evaluation.
    static func run(_ x: Double, _ y: Double, runSeed: UInt64) -> [Double] {
        var g = benchGenerator(runSeed, 0xC0FFEE)
        let (value, late) = truth(x, y)
        let final = value + 0.04 * g.normal()
        return (1...evaluations).map { k in
            let t = Double(k) / Double(evaluations)
            var shape = late ? 1 / (1 + exp(-(t - 0.65) / 0.06)) : 1 - exp(-4 * t)
            if !late && x < 0.3 && t > 0.3 && t < 0.6 { shape = min(shape, 0.55) }
            return final * shape + 0.03 * g.normal()
        }
    }

    /// Trial `i`'s parameters in study `seed`.
    static func params(seed: UInt64, trial: Int) -> (Double, Double) {
        var g = benchGenerator(seed, UInt64(trial) &+ 1)
        return (g.unit(), g.unit())
    }
}

/// One study of `trials` trials, `nJobs` at a time, every evaluation taking one time unit: what the
/// scheduler does, without processes. Each parameter set runs `repeats` times (its runs differ in
/// their seed); a repeat is judged on its set's mean curve, and a pruned set's runs not yet
/// started are dropped (the budget goes to new sets), as hypertop's scheduler does. Returns the
/// true value of the set chosen (the best mean of its complete runs' last values) and the
/// evaluations spent.
func simulatePruning(_ spec: PrunerSpec, seed: UInt64, trials: Int, nJobs: Int, repeats: Int = 1) -> (truth: Double, evaluations: Int, pruned: Int) {
    var pruner = PrunerFactory.make(spec)
    var completed: [(number: Int, values: [Double])] = []
    var running: [(trial: Int, set: Int, step: Int, time: Int, curve: [Double])] = []
    var pending: [Int] = []  // sets owed a run, in order
    var nextSet = 0, launched = 0, evaluations = 0, pruned = 0
    var firstTrial: [Int: Int] = [:], retired = Set<Int>(), finals: [Int: [Double]] = [:], curves: [Int: [Int: [Double]]] = [:]
    func start(at time: Int) {
        guard launched < trials else { return }
        pending.removeAll { retired.contains($0) }
        if pending.isEmpty {
            pending = Array(repeating: nextSet, count: repeats)
            nextSet += 1
        }
        let set = pending.removeFirst()
        let (x, y) = Curves.params(seed: seed, trial: set)
        if firstTrial[set] == nil { firstTrial[set] = launched }
        running.append((launched, set, 0, time + 1, Curves.run(x, y, runSeed: seed &* 1000 &+ UInt64(launched))))
        launched += 1
    }
    for _ in 0..<nJobs { start(at: 0) }
    while !running.isEmpty {
        // The next report: the earliest, the lowest trial number first among equals.
        let i = running.indices.min { (running[$0].time, running[$0].trial) < (running[$1].time, running[$1].trial) }!
        let r = running[i]
        evaluations += 1
        curves[r.set, default: [:]][r.trial] = Array(r.curve[...r.step])
        let siblings = curves[r.set]!.filter { $0.key != r.trial }.map(\.value)
        let values = PruneSubject.setMean(Array(r.curve[...r.step]), siblings: siblings)
        let context = PruneContext(completed: completed, direction: .maximize, studyName: "bench", criterion: "c")
        if pruner?.prune(PruneSubject(number: firstTrial[r.set]!, values: values), context) != nil {
            pruned += 1
            retired.insert(r.set)
            curves[r.set]![r.trial] = nil
            running.remove(at: i)
            start(at: r.time)
        } else if r.step == r.curve.count - 1 {
            completed.append((r.trial, r.curve))
            finals[r.set, default: []].append(r.curve.last!)
            running.remove(at: i)
            start(at: r.time)
        } else {
            running[i].step += 1
            running[i].time += 1
        }
    }
    guard let best = finals.max(by: { $0.value.reduce(0, +) / Double($0.value.count) < $1.value.reduce(0, +) / Double($1.value.count) }) else {
        return (.nan, evaluations, pruned)
    }
    let (x, y) = Curves.params(seed: seed, trial: best.key)
    return (Curves.truth(x, y).value, evaluations, pruned)
}

/// Repeats: 8 sets of known truth, some close; each run's score is its truth plus seed noise.
/// Fixed: every set `maxRuns` times. Adaptive: the planner's race, `minRuns` to `maxRuns`.
/// Returns whether the set chosen (best mean) is the truly best one, and the runs spent.
func simulateRepeats(adaptive: Bool, seed: UInt64, minRuns: Int, maxRuns: Int, noise: Double) -> (bestChosen: Bool, runs: Int) {
    let truths = [0.80, 0.77, 0.74, 0.70, 0.62, 0.55, 0.50, 0.40]
    let space = SearchSpace([Parameter(name: "arm", distribution: .categorical(choices: truths.indices.map { .int($0) }))])
    guard let grid = try? GridSampler(space: space) else { return (false, 0) }
    var planner = TrialPlanner(space: space, direction: .maximize, minPerParamSet: adaptive ? minRuns : maxRuns, maxPerParamSet: maxRuns,
                               seed: seed, sampler: grid)
    planner.adaptive = adaptive
    var study = Study()
    var g = benchGenerator(seed, 0xA11CE)
    var n = 0
    while n < truths.count * maxRuns {
        guard case .launch(let set, let params, let r) = planner.next(trialNumber: n, study: study) else { break }
        study.apply(.launched(TrialLaunch(number: n, paramSet: set, repeatIndex: r, params: params, runDir: "", command: [], startedAt: Date())))
        guard case .int(let arm)? = params["arm"] else { break }
        let score = truths[arm] + noise * g.normal()
        study.apply(.finished(TrialOutcome(number: n, state: .complete, score: score, reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
        n += 1
    }
    guard let best = study.best, case .int(let arm)? = best.params["arm"] else { return (false, n) }
    return (arm == 0, n)
}

func pruningBench() -> [String: Any] {
    let seeds = Int(option("--seeds", "24")) ?? 24
    let trials = Int(option("--trials", "40")) ?? 40
    let settings: [(String, PrunerSpec)] = [
        ("none", .none),
        ("median", .median(MedianPrunerOptions(nStartupTrials: 5, nWarmupSteps: 3))),
        ("asha", .successiveHalving(SuccessiveHalvingOptions(minResource: 2, reductionFactor: 3))),
        ("hyperband", .hyperband(HyperbandOptions(minResource: 2, maxResource: 20, reductionFactor: 3))),
        ("patient(median)", .patient(PatientOptions(patience: 3), wrapped: .median(MedianPrunerOptions(nStartupTrials: 5, nWarmupSteps: 3)))),
    ]
    var out: [String: Any] = [:]
    for (name, spec) in settings {
        var rows: [[String: Any]] = []
        for s in 0..<seeds {
            let r = simulatePruning(spec, seed: UInt64(s + 1), trials: trials, nJobs: 4)
            rows.append(["seed": s + 1, "truth": r.truth, "evaluations": r.evaluations, "pruned": r.pruned])
        }
        out[name] = rows
        out[name + ", 2 runs per set"] = (0..<seeds).map { s -> [String: Any] in
            let r = simulatePruning(spec, seed: UInt64(s + 1), trials: trials, nJobs: 4, repeats: 2)
            return ["seed": s + 1, "truth": r.truth, "evaluations": r.evaluations, "pruned": r.pruned]
        }
    }
    var repeats: [String: Any] = [:]
    for adaptive in [false, true] {
        repeats[adaptive ? "adaptive" : "fixed"] = (0..<seeds * 10).map { s -> [String: Any] in
            let r = simulateRepeats(adaptive: adaptive, seed: UInt64(s + 1), minRuns: 2, maxRuns: 5, noise: 0.05)
            return ["seed": s + 1, "best_chosen": r.bestChosen, "runs": r.runs]
        }
    }
    // The curves' first values, for the Python side to check it draws the same.
    let (x, y) = Curves.params(seed: 1, trial: 0)
    return ["pruning": out, "repeats": repeats, "check": ["x": x, "y": y, "curve": Curves.run(x, y, runSeed: 1000)]]
}
