import Foundation
import HyperOpt

// The multi-objective benchmark (and CMA-ES and QMC on the single-objective problems):
//   hypertop-bench mo-quality [--seeds 16] [--trials 200] [--samplers tpe,nsgaii,random]
//       (hypervolume of every trial so far after 50, 100 and 200 trials)
//   hypertop-bench mo-cost [--sizes 100,1000] [--asks 100] [--samplers tpe,nsgaii]   (ms per ask + tell, ZDT1 with 10 variables)
//   hypertop-bench so-quality [--seeds 16] [--trials 100]   (cmaes, qmc, qmc-scrambled, random at 25, 50, 100)
//   hypertop-bench mo-check   (values at fixed points and a fixed set's hypervolume, to compare with Python)
// Benchmarks/optuna_mo_bench.py defines the same problems; Benchmarks/multiobjective.sh runs both.

/// A benchmark problem of several objectives, without noise.
struct MOProblem: Sendable {
    let name: String
    let space: SearchSpace
    let directions: [Direction]
    /// The hypervolume's reference point, in losses (maximized objectives negated).
    let reference: [Double]
    let evaluate: @Sendable (_ x: Params) -> [Double]
}

private func unitSpace(_ n: Int) -> SearchSpace {
    SearchSpace((0..<n).map { Parameter(name: "x\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })
}

private func unitValues(_ p: Params, _ n: Int) -> [Double] { (0..<n).map { p["x\($0)"]?.number ?? .nan } }

/// ZDT1 (the front f2 = 1 - sqrt(f1), convex) or ZDT2 (f2 = 1 - f1², concave), n variables in [0, 1].
private func zdt(_ n: Int, concave: Bool) -> @Sendable (Params) -> [Double] {
    { p in
        let x = unitValues(p, n)
        let g = 1 + 9 * x.dropFirst().reduce(0, +) / Double(n - 1)
        let f1 = x[0]
        let h = concave ? 1 - (f1 / g) * (f1 / g) : 1 - (f1 / g).squareRoot()
        return [f1, g * h]
    }
}

/// DTLZ2 with m objectives and n variables: the front is the unit sphere's positive orthant.
private func dtlz2(_ n: Int, objectives m: Int) -> @Sendable (Params) -> [Double] {
    { p in
        let x = unitValues(p, n)
        let g = x[(m - 1)...].reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) }
        return (0..<m).map { i in
            var v = 1 + g
            for xj in x[..<(m - 1 - i)] { v *= cos(xj * Double.pi / 2) }
            if i > 0 { v *= sin(x[m - 1 - i] * Double.pi / 2) }
            return v
        }
    }
}

/// The mixed problem: cost (minimize) against score (maximize). Each activation has its own front
/// (an offset in cost, a scale of the loss); together they make one front of three pieces. The
/// learning rate (log), y and the layer count move a point away from the front (g > 1).
private let mixed: @Sendable (Params) -> [Double] = { p in
    let a = (log10(p["learning_rate"]?.number ?? .nan) + 2.5) / 1.5
    let b = ((p["y"]?.number ?? .nan) - 0.5) / 2.5
    let g = 1 + a * a + b * b + abs((p["layers"]?.number ?? .nan) - 5) / 4
    let shift: [String: (offset: Double, scale: Double)] = ["relu": (0, 1), "gelu": (0.15, 0.6), "tanh": (0.4, 0.3)]
    let (offset, scale) = shift[p["activation"]?.description ?? ""] ?? (10, 10)
    let x = p["x"]?.number ?? .nan
    return [x + offset, 4.5 - scale * g * (1 - x.squareRoot())]
}

let moProblems: [MOProblem] = [
    // ZDT: f2 stays below 10, so [1.1, 11] holds every point (the largest hypervolume: 12.1 - 1/3
    // for ZDT1, 12.1 - 2/3 for ZDT2).
    MOProblem(name: "zdt1-5", space: unitSpace(5), directions: [.minimize, .minimize], reference: [1.1, 11], evaluate: zdt(5, concave: false)),
    MOProblem(name: "zdt1-10", space: unitSpace(10), directions: [.minimize, .minimize], reference: [1.1, 11], evaluate: zdt(10, concave: false)),
    MOProblem(name: "zdt2-5", space: unitSpace(5), directions: [.minimize, .minimize], reference: [1.1, 11], evaluate: zdt(5, concave: true)),
    MOProblem(name: "zdt2-10", space: unitSpace(10), directions: [.minimize, .minimize], reference: [1.1, 11], evaluate: zdt(10, concave: true)),
    MOProblem(name: "dtlz2-3obj-6", space: unitSpace(6), directions: [.minimize, .minimize, .minimize], reference: [1.1, 1.1, 1.1],
              evaluate: dtlz2(6, objectives: 3)),
    // Cost within [0, 1.4], score within [0.5, 4.5]: the reference (cost 1.5, score 0) holds every point.
    MOProblem(
        name: "mixed-2obj",
        space: SearchSpace([
            Parameter(name: "learning_rate", distribution: .float(low: 1e-4, high: 1e-1, log: true, step: nil)),
            Parameter(name: "x", distribution: .float(low: 0, high: 1, log: false, step: nil)),
            Parameter(name: "y", distribution: .float(low: -2, high: 2, log: false, step: nil)),
            Parameter(name: "layers", distribution: .int(low: 1, high: 8, log: false, step: 1)),
            Parameter(name: "activation", distribution: .categorical(choices: ["relu", "gelu", "tanh"].map(ParamValue.string))),
        ]),
        directions: [.minimize, .maximize], reference: [1.5, 0], evaluate: mixed),
]

private func stderr(_ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8) ?? Data())
}

/// A sampler by its benchmark name.
private func namedSampler(_ name: String, space: SearchSpace) -> any Sampler {
    let spec: SamplerSpec
    switch name {
    case "tpe": spec = .tpe(TPEOptions())
    case "nsgaii": spec = .nsgaii(NSGAIIOptions())
    case "cmaes": spec = .cmaes(CMAESOptions())
    case "qmc": spec = .qmc(QMCOptions())
    case "qmc-scrambled": spec = .qmc(QMCOptions(scramble: true))
    case "random": spec = .random
    default:
        stderr("hypertop-bench: no sampler '\(name)'")
        exit(2)
    }
    do { return try makeSampler(spec, space: space) } catch {
        stderr("hypertop-bench: \(error)")
        exit(2)
    }
}

/// One multi-objective study, asked and told as the scheduler does with max_trials_per_param = 1
/// (a proposal of a set already run is asked again, then random search steps in; see `runStudy`).
/// Returns the hypervolume of every trial so far at each checkpoint.
func runMOStudy(_ sampler: any Sampler, problem: MOProblem, seed: Int, trials: Int, checkpoints: [Int]) -> [Double] {
    var sampler = sampler
    var observations: [Observation] = []
    var losses: [[Double]] = []
    var seen = Set<ParamKey>()
    var out: [Double] = []
    for t in 0..<trials {
        var context = SamplingContext(space: problem.space, directions: problem.directions, trialNumber: t,
                                      seed: UInt64(seed), completed: observations, excluded: seen)
        var proposal = sampler.sample(context)
        while let p = proposal, context.excluded.contains(ParamKey(p, space: problem.space)), context.attempt < 100 {
            context.attempt += 1
            proposal = context.attempt < 3 ? sampler.sample(context) : RandomSampler().sample(context)
        }
        guard let params = proposal else { break }
        let values = problem.evaluate(params)
        seen.insert(ParamKey(params, space: problem.space))
        observations.append(Observation(params: params, objectives: values, number: t))
        losses.append(Pareto.losses(values, directions: problem.directions))
        if checkpoints.contains(t + 1) { out.append(Pareto.hypervolume(losses, reference: problem.reference)) }
    }
    return out
}

func moQuality() -> [String: Any] {
    let seeds = Int(option("--seeds", "16")) ?? 16
    let trials = Int(option("--trials", "200")) ?? 200
    let names = option("--samplers", "tpe,nsgaii,random").split(separator: ",").map(String.init)
    let marks = [50, 100, 200].filter { $0 <= trials }
    var result: [String: Any] = [:]
    for problem in moProblems {
        var perSampler: [String: Any] = [:]
        for name in names {
            let start = DispatchTime.now().uptimeNanoseconds
            var byCheckpoint = [String: [Double]]()
            for seed in 0..<seeds {
                let hvs = runMOStudy(namedSampler(name, space: problem.space), problem: problem, seed: seed, trials: trials, checkpoints: marks)
                for (c, v) in zip(marks, hvs) { byCheckpoint[String(c), default: []].append(v) }
            }
            perSampler[name] = byCheckpoint
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            stderr("hypertop mo-quality: \(problem.name) \(name) \(String(format: "%.1f", seconds)) s")
        }
        result[problem.name] = ["directions": problem.directions.map(\.rawValue), "reference": problem.reference, "samplers": perSampler]
    }
    return result
}

/// CMA-ES and QMC (and random) on the single-objective problems of `Problems.swift`: the best
/// noise-free value after 25, 50 and 100 trials, as `quality` measures TPE.
func soQuality() -> [String: Any] {
    let seeds = Int(option("--seeds", "16")) ?? 16
    let trials = Int(option("--trials", "100")) ?? 100
    let marks = checkpoints.filter { $0 <= trials }
    var result: [String: Any] = [:]
    for problem in problems {
        var perSampler: [String: Any] = [:]
        for name in ["cmaes", "qmc", "qmc-scrambled", "random"] {
            var byCheckpoint = [String: [Double]]()
            for seed in 0..<seeds {
                let bests = runStudy(namedSampler(name, space: problem.space), problem: problem, seed: seed, trials: trials, checkpoints: marks)
                for (c, v) in zip(marks, bests) { byCheckpoint[String(c), default: []].append(v) }
            }
            perSampler[name] = byCheckpoint
        }
        result[problem.name] = ["direction": problem.direction.rawValue, "samplers": perSampler]
        stderr("hypertop so-quality: \(problem.name) done")
    }
    return result
}

/// Milliseconds per ask + tell (median over `asks`) on ZDT1 with 10 variables and `n` random
/// scored sets already told (trial numbers 0..<n, so NSGA-II sees n / 50 full generations).
func moCost(_ name: String, n: Int, asks: Int) -> Double {
    guard let problem = moProblems.first(where: { $0.name == "zdt1-10" }) else { return .nan }
    var g = SeededGenerator(seed: 12345)
    var observations: [Observation] = (0..<n).map { t in
        var params = Params()
        for p in problem.space.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
        return Observation(params: params, objectives: problem.evaluate(params), number: t)
    }
    observations.reserveCapacity(n + asks + 1)
    var sampler = namedSampler(name, space: problem.space)
    func askAndTell(_ t: Int) {
        let context = SamplingContext(space: problem.space, directions: problem.directions, trialNumber: t, seed: 0,
                                      completed: observations)
        guard let params = sampler.sample(context) else { return }
        observations.append(Observation(params: params, objectives: problem.evaluate(params), number: t))
    }
    askAndTell(n) // warm-up, as on the Python side
    return medianMilliseconds(asks) { r in askAndTell(n + 1 + r) }
}

/// Each problem's values at 5 fixed points and the hypervolume of 100 fixed points.
func moCheck() -> [String: Any] {
    var out: [String: Any] = [:]
    for problem in moProblems {
        var g = SeededGenerator(seed: 7)
        let rows: [[Double]] = (0..<100).map { _ in
            var params = Params()
            for p in problem.space.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
            return problem.evaluate(params)
        }
        let hv = Pareto.hypervolume(rows.map { Pareto.losses($0, directions: problem.directions) }, reference: problem.reference)
        out[problem.name] = ["values": Array(rows.prefix(5)), "hypervolume": hv]
    }
    return out
}

/// The multi-objective subcommands (main.swift dispatches them here).
func multiObjectiveCommand(_ command: String) -> [String: Any] {
    switch command {
    case "mo-quality":
        return ["quality": moQuality()]
    case "so-quality":
        return ["quality": soQuality()]
    case "mo-cost":
        let sizes = option("--sizes", "100,1000").split(separator: ",").compactMap { Int($0) }
        let asks = Int(option("--asks", "100")) ?? 100
        let names = option("--samplers", "tpe,nsgaii").split(separator: ",").map(String.init)
        var costs: [String: [String: Double]] = [:]
        for name in names {
            for n in sizes { costs[name, default: [:]][String(n)] = moCost(name, n: n, asks: asks) }
        }
        return ["cost": costs]
    default:
        return ["check": moCheck()]
    }
}
