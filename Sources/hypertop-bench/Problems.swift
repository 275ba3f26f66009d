import Foundation
import HyperOpt

/// A benchmark objective. `Benchmarks/optuna_sampler_bench.py` defines the same problems; the
/// `check` command prints values at fixed points so the two definitions can be compared.
struct Problem: Sendable {
    let name: String
    let space: SearchSpace
    let direction: Direction
    /// (value the sampler is told, noise-free value reported in the table).
    let evaluate: @Sendable (_ x: Params, _ seed: Int, _ trial: Int) -> (observed: Double, truth: Double)
}

/// Noise shared with the Python side: SplitMix64 seeded by (seed, trial), then Box-Muller.
func benchNoise(seed: Int, trial: Int) -> Double {
    var g = SeededGenerator(seed: (UInt64(seed) << 32) | UInt64(trial))
    let u1 = g.unit(), u2 = g.unit()
    return (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
}

private func float(_ p: Params, _ name: String) -> Double { p[name]?.number ?? .nan }

private func floatParam(_ name: String, _ low: Double, _ high: Double, log: Bool = false, step: Double? = nil) -> Parameter {
    Parameter(name: name, distribution: .float(low: low, high: high, log: log, step: step))
}

private func intParam(_ name: String, _ low: Int, _ high: Int, log: Bool = false, step: Int = 1) -> Parameter {
    Parameter(name: name, distribution: .int(low: low, high: high, log: log, step: step))
}

let problems: [Problem] = [
    // Shaped like the seed study (SAC on Reach): a success rate with an optimum inside the box,
    // an lr/tau interaction, a better critic choice, and evaluation noise.
    Problem(
        name: "noisy-rl-mixed",
        space: SearchSpace([
            floatParam("learning_rate", 1e-4, 5e-3, log: true),
            floatParam("gamma", 0.9, 0.99, log: true),
            floatParam("tau", 0.005, 0.1, log: true),
            Parameter(name: "critic_select", distribution: .categorical(choices: [.string("min"), .string("max")])),
        ]),
        direction: .maximize,
        evaluate: { p, seed, trial in
            let a = (log(float(p, "learning_rate")) - log(1.5e-3)) / 0.5
            let b = (float(p, "gamma") - 0.97) / 0.02
            let c = (log(float(p, "tau")) - log(0.02)) / 0.7
            let scale = p["critic_select"] == .string("min") ? 0.9 : 0.75
            let truth = scale * exp(-0.5 * (a * a + b * b + c * c + 0.6 * a * c))
            return (truth + 0.05 * benchNoise(seed: seed, trial: trial), truth)
        }),
    Problem(
        name: "branin",
        space: SearchSpace([floatParam("x1", -5, 10), floatParam("x2", 0, 15)]),
        direction: .minimize,
        evaluate: { p, _, _ in
            let x1 = float(p, "x1"), x2 = float(p, "x2")
            let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
            let v = pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * cos(x1) + 10
            return (v, v)
        }),
    Problem(
        name: "hartmann6",
        space: SearchSpace((0..<6).map { floatParam("x\($0)", 0, 1) }),
        direction: .minimize,
        evaluate: { p, _, _ in
            let alpha = [1.0, 1.2, 3.0, 3.2]
            let a: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                                 [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
            let pm: [[Double]] = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
                                  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                                  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
                                  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
            var v = 0.0
            for i in 0..<4 {
                var inner = 0.0
                for j in 0..<6 { inner += a[i][j] * pow(float(p, "x\(j)") - pm[i][j], 2) }
                v -= alpha[i] * exp(-inner)
            }
            return (v, v)
        }),
    Problem(
        name: "rosenbrock4-log",
        space: SearchSpace((0..<4).map { floatParam("x\($0)", 1e-2, 10, log: true) }),
        direction: .minimize,
        evaluate: { p, _, _ in
            var v = 0.0
            for i in 0..<3 {
                let x = float(p, "x\(i)"), y = float(p, "x\(i + 1)")
                v += 100 * (y - x * x) * (y - x * x) + (1 - x) * (1 - x)
            }
            return (v, v)
        }),
    Problem(
        name: "int-categorical",
        space: SearchSpace([
            intParam("layers", 1, 8),
            intParam("units", 4, 1024, log: true),
            intParam("batch", 16, 512, step: 16),
            Parameter(name: "activation", distribution: .categorical(choices: ["relu", "tanh", "gelu", "sigmoid"].map(ParamValue.string))),
        ]),
        direction: .minimize,
        evaluate: { p, _, _ in
            let layers = float(p, "layers") - 4, units = log2(float(p, "units")) - 7
            let batch = (float(p, "batch") - 128) / 64
            let penalty: [String: Double] = ["relu": 0.3, "tanh": 0.5, "gelu": 0, "sigmoid": 1]
            let act = penalty[p["activation"]?.description ?? ""] ?? 10
            let v = 0.1 * layers * layers + 0.2 * units * units + 0.05 * layers * units + 0.3 * batch * batch + act
            return (v, v)
        }),
    Problem(
        name: "styblinski4-step",
        space: SearchSpace((0..<4).map { floatParam("x\($0)", -5, 5, step: 0.1) }),
        direction: .minimize,
        evaluate: { p, _, _ in
            var v = 0.0
            for i in 0..<4 {
                let x = float(p, "x\(i)")
                v += 0.5 * (x * x * x * x - 16 * x * x + 5 * x)
            }
            return (v, v)
        }),
]

/// The space of the cost measurement: three parameters, as in the Optuna figures.
let costSpace = SearchSpace([
    floatParam("x", -5, 5),
    floatParam("y", 1e-4, 1, log: true),
    Parameter(name: "c", distribution: .categorical(choices: [.string("a"), .string("b"), .string("c")])),
])

func costObjective(_ p: Params) -> Double {
    let x = float(p, "x"), y = log10(float(p, "y"))
    let c: Double = p["c"] == .string("b") ? 0 : 1
    return x * x + (y + 2) * (y + 2) + c
}
