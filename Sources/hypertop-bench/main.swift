import Foundation
import HyperOpt

// hypertop-bench: runs hypertop's samplers on the benchmark problems and prints JSON.
//   hypertop-bench quality [--seeds 20] [--trials 100]
//   hypertop-bench cost [--sizes 100,500,1000,5000] [--asks 200] [--running 0]   (trials in flight at each ask)
//   hypertop-bench gp-quality [--seeds 8] [--trials 64] [--gp-startup sobol|random]   (gp and tpe at 8, 16, 32, 64 trials)
//   hypertop-bench gp-cost [--sizes 16,32,64,128] [--asks 20]
//   hypertop-bench check      (problem values at fixed points, to compare with the Python side)
//   hypertop-bench mo-quality|mo-cost|so-quality|mo-check   (MultiObjective.swift)
//   hypertop-bench pruning [--seeds 24] [--trials 40]   (pruners and repeat rules on simulated curves)
// Benchmarks/sampler.sh runs it next to Optuna and prints the combined table.

let checkpoints = [25, 50, 100]

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}

/// One study: asks, evaluates and tells like the scheduler does, one observation per set
/// (the mean of its repeats, should a set run twice). Returns the noise-free value of the best observed trial at each
/// checkpoint.
func runStudy(_ sampler: any Sampler, problem: Problem, seed: Int, trials: Int, checkpoints: [Int] = checkpoints) -> [Double] {
    var sampler = sampler
    var observations: [Observation] = []
    var sums: [ParamKey: (index: Int, total: Double, count: Int)] = [:]
    var bestObserved = Double.nan, bestTruth = Double.nan
    var out: [Double] = []
    for t in 0..<trials {
        // As the scheduler does with max_trials_per_param = 1: sets already run are excluded; a
        // refused proposal is asked again with the next attempt, then random search steps in.
        var context = SamplingContext(space: problem.space, direction: problem.direction, trialNumber: t,
                                      seed: UInt64(seed), completed: observations, excluded: Set(sums.keys))
        var proposal = sampler.sample(context)
        while let p = proposal, context.excluded.contains(ParamKey(p, space: problem.space)), context.attempt < 100 {
            context.attempt += 1
            proposal = context.attempt < 3 ? sampler.sample(context) : RandomSampler().sample(context)
        }
        guard let params = proposal else { break }
        let (observed, truth) = problem.evaluate(params, seed, t)
        if bestObserved.isNaN || problem.direction.isBetter(observed, than: bestObserved) {
            bestObserved = observed
            bestTruth = truth
        }
        let key = ParamKey(params, space: problem.space)
        if let s = sums[key] {
            let entry = (s.index, s.total + observed, s.count + 1)
            sums[key] = entry
            let old = observations[s.index]
            observations[s.index] = Observation(params: old.params, value: entry.1 / Double(entry.2), number: old.number)
        } else {
            sums[key] = (observations.count, observed, 1)
            observations.append(Observation(params: params, value: observed, number: t))
        }
        if checkpoints.contains(t + 1) { out.append(bestTruth) }
    }
    return out
}

func quality() -> [String: Any] {
    let seeds = Int(option("--seeds", "20")) ?? 20
    let trials = Int(option("--trials", "100")) ?? 100
    let samplers: [(String, any Sampler)] = [("tpe", TPESampler()), ("random", RandomSampler())]
    var result: [String: Any] = [:]
    for problem in problems {
        var perSampler: [String: Any] = [:]
        for (name, sampler) in samplers {
            var byCheckpoint = [String: [Double]]()
            for seed in 0..<seeds {
                let bests = runStudy(sampler, problem: problem, seed: seed, trials: trials)
                for (c, v) in zip(checkpoints, bests) { byCheckpoint[String(c), default: []].append(v) }
            }
            perSampler[name] = byCheckpoint
        }
        result[problem.name] = ["direction": problem.direction.rawValue, "samplers": perSampler]
    }
    return result
}

/// The GP comparison: gp and tpe, best value after 8, 16, 32 and 64 trials.
func gpQuality() -> [String: Any] {
    let seeds = Int(option("--seeds", "8")) ?? 8
    let trials = Int(option("--trials", "64")) ?? 64
    let marks = [8, 16, 32, 64].filter { $0 <= trials }
    var result: [String: Any] = [:]
    for problem in problems {
        var perSampler: [String: Any] = [:]
        let sobol = option("--gp-startup", "sobol") == "sobol"
        let makers: [(String, () -> any Sampler)] = [("gp", { GPSampler(options: GPOptions(sobolStartup: sobol)) }), ("tpe", { TPESampler() })]
        for (name, make) in makers {
            var byCheckpoint = [String: [Double]]()
            for seed in 0..<seeds {
                let bests = runStudy(make(), problem: problem, seed: seed, trials: trials, checkpoints: marks)
                for (c, v) in zip(marks, bests) { byCheckpoint[String(c), default: []].append(v) }
            }
            perSampler[name] = byCheckpoint
        }
        result[problem.name] = ["direction": problem.direction.rawValue, "samplers": perSampler]
        FileHandle.standardError.write("hypertop gp-quality: \(problem.name) done\n".data(using: .utf8) ?? Data())
    }
    return result
}

/// `n` finished trials of the cost problem, drawn at random with a fixed seed: both samplers'
/// cost runs start from the same history.
func costHistory(_ n: Int) -> [Observation] {
    var g = SeededGenerator(seed: 12345)
    return (0..<n).map { t in
        var params = Params()
        for p in costSpace.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
        return Observation(params: params, value: costObjective(params), number: t)
    }
}

/// The median of `runs` single timings of `body` (given the run's index), in milliseconds:
/// other processes on a shared machine only add outliers.
func medianMilliseconds(_ runs: Int, _ body: (Int) -> Void) -> Double {
    var times: [Double] = []
    for r in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body(r)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return times[times.count / 2]
}

/// Milliseconds per ask + tell with `n` trials already told (median over `asks` of them). With
/// `running` > 0, that many trials are in flight at each ask (the constant liar sees them): each
/// ask's trial is told `running` asks later, as with `n_jobs` = running + 1.
func cost(n: Int, asks: Int, running: Int = 0) -> Double {
    var observations = costHistory(n)
    observations.reserveCapacity(n + asks + 1)
    var sampler = TPESampler()
    var inFlight: [(params: Params, number: Int)] = []
    func askAndTell(_ t: Int) {
        let context = SamplingContext(space: costSpace, direction: .minimize, trialNumber: t, seed: 0, completed: observations,
                                      running: inFlight.map(\.params))
        guard let params = sampler.sample(context) else { return }
        inFlight.append((params, t))
        while inFlight.count > running {
            let done = inFlight.removeFirst()
            observations.append(Observation(params: done.params, value: costObjective(done.params), number: done.number))
        }
    }
    for w in 0...running { askAndTell(n + w) } // warm-up (and the first trials in flight), like the Python side
    return medianMilliseconds(asks) { r in askAndTell(n + running + 1 + r) }
}

/// Milliseconds per GP ask with exactly `n` trials told (median over `asks`): the asked trials are
/// not told, so the history stays at n, as on the Python side (which tells them as failed).
func gpCost(n: Int, asks: Int) -> Double {
    let observations = costHistory(n)
    var sampler = GPSampler()
    let context = SamplingContext(space: costSpace, direction: .minimize, trialNumber: n, seed: 0, completed: observations)
    _ = sampler.sample(context) // warm-up, as on the Python side (and the fit cache both sides keep)
    return medianMilliseconds(asks) { r in
        var c = context
        c.trialNumber = n + 1 + r
        _ = sampler.sample(c)
    }
}

func check() -> [String: Any] {
    var out: [String: Any] = [:]
    for problem in problems {
        var values: [Double] = []
        for k in 0..<5 {
            var g = SeededGenerator(seed: UInt64(k))
            var params = Params()
            for p in problem.space.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
            let (observed, _) = problem.evaluate(params, 7, k)
            values.append(observed)
        }
        out[problem.name] = values
    }
    return out
}

func printJSON(_ object: Any) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
       let text = String(data: data, encoding: .utf8) {
        print(text)
    }
}

let command = CommandLine.arguments.dropFirst().first ?? "quality"
switch command {
case "quality":
    printJSON(["quality": quality()])
case "cost":
    let sizes = option("--sizes", "100,500,1000,5000").split(separator: ",").compactMap { Int($0) }
    let asks = Int(option("--asks", "200")) ?? 200
    let running = Int(option("--running", "0")) ?? 0
    var costs: [String: Double] = [:]
    for n in sizes { costs[String(n)] = cost(n: n, asks: asks, running: running) }
    printJSON(["cost": costs])
case "gp-quality":
    printJSON(["quality": gpQuality()])
case "gp-cost":
    let sizes = option("--sizes", "16,32,64,128").split(separator: ",").compactMap { Int($0) }
    let asks = Int(option("--asks", "20")) ?? 20
    var costs: [String: Double] = [:]
    for n in sizes { costs[String(n)] = gpCost(n: n, asks: asks) }
    printJSON(["cost": costs])
case "check":
    printJSON(["check": check()])
case "mo-quality", "mo-cost", "so-quality", "mo-check":
    printJSON(multiObjectiveCommand(command))
case "pruning":
    printJSON(pruningBench())
case "usage-cost":
    printJSON(await usageCost(trials: Int(option("--trials", "64")) ?? 64, samples: Int(option("--samples", "20")) ?? 20,
                              interval: Double(option("--interval", "0.25")) ?? 0.25))
default:
    FileHandle.standardError.write("usage: hypertop-bench quality|cost|gp-quality|gp-cost|check|pruning|usage-cost [options]\n".data(using: .utf8) ?? Data())
    exit(2)
}
