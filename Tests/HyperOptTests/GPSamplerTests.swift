import Foundation
import XCTest
@testable import HyperOpt

/// `sampler: gp`: encodings of every parameter type, reproducibility, running trials, and that it
/// learns (it finds a smooth optimum sooner than random search).
final class GPSamplerTests: XCTestCase {
    let space = SearchSpace([
        Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
        Parameter(name: "tau", distribution: .float(low: 0, high: 1, log: false, step: 0.05)),
        Parameter(name: "batch", distribution: .int(low: 16, high: 256, log: true, step: 1)),
        Parameter(name: "layers", distribution: .int(low: 1, high: 5, log: false, step: 2)),
        Parameter(name: "critic", distribution: .categorical(choices: [.string("min"), .string("max"), .string("mean")])),
    ])

    /// A smooth objective of every type: best at lr 1e-3, tau 0.3, batch 64, 3 layers, `min`.
    func objective(_ p: Params) -> Double {
        let lr = log10(p["lr"]!.number!) + 3, tau = p["tau"]!.number! - 0.3
        let batch = log2(p["batch"]!.number!) - 6, layers = p["layers"]!.number! - 3
        let critic = p["critic"] == .string("min") ? 0.0 : 0.5
        return -(lr * lr + 4 * tau * tau + 0.3 * batch * batch + 0.2 * layers * layers + critic)
    }

    func testEveryParameterTypeRoundTripsThroughTheUnitCube() {
        let e = GPEncoding(space: space)
        let p: Params = ["lr": .float(1e-3), "tau": .float(0.35), "batch": .int(64), "layers": .int(3), "critic": .string("mean")]
        let u = e.encode(p)!
        XCTAssertEqual(u[0], 0.5, accuracy: 1e-12, "log space: 1e-3 is halfway between 1e-5 and 1e-1")
        XCTAssertEqual(u[4], 2, "a categorical input is its choice's index")
        let back = e.decode(u)
        for name in ["lr", "tau", "batch", "layers"] { XCTAssertEqual(back[name]!.number!, p[name]!.number!, accuracy: 1e-12, name) }
        XCTAssertEqual(back["critic"], p["critic"])
        XCTAssertEqual(e.decode(e.encode(back)!), back, "decoding is idempotent: a proposal is a fixed point")
        let snapped = e.decode([0.5, 0.512, 0.51, 0.6, 1.2])
        XCTAssertEqual(snapped["tau"], .float(0.5), "steps are rounded")
        XCTAssertEqual(snapped["layers"], .int(3), "int steps are rounded: 1, 3, 5")
        XCTAssertEqual(snapped["critic"], .string("max"))
        XCTAssertEqual(e.categorical, [false, false, false, false, true])
    }

    func study(_ sampler: inout GPSampler, trials: Int, seed: UInt64) -> [Double] {
        var completed: [Observation] = []
        var best: [Double] = []
        for t in 0..<trials {
            let ctx = SamplingContext(space: space, direction: .maximize, trialNumber: t, seed: seed, completed: completed)
            let p = sampler.sample(ctx)!
            completed.append(Observation(params: p, value: objective(p), number: t))
            best.append(completed.map(\.value).max()!)
        }
        return best
    }

    func testTheSameSeedGivesTheSameProposals() {
        var a = GPSampler(options: GPOptions(nStartupTrials: 4)), b = GPSampler(options: GPOptions(nStartupTrials: 4))
        XCTAssertEqual(study(&a, trials: 10, seed: 7), study(&b, trials: 10, seed: 7))
    }

    /// The first trials come from the scrambled Sobol' sequence: one per quarter of each axis
    /// after 4 (so 4 trials already span the space); with `startup: random` they are random.
    func testTheStartupTrialsCoverTheSpaceEvenly() {
        let unit = SearchSpace((0..<3).map { Parameter(name: "x\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })
        for seed: UInt64 in [1, 2, 3] {
            var sampler = GPSampler()
            let first = (0..<4).map { t -> [Double] in
                let p = sampler.sample(SamplingContext(space: unit, direction: .minimize, trialNumber: t, seed: seed))!
                return (0..<3).map { p["x\($0)"]!.number! }
            }
            for axis in 0..<3 { XCTAssertEqual(Set(first.map { Int($0[axis] * 4) }).count, 4, "seed \(seed), axis \(axis): \(first)") }
        }
        var random = GPSampler(options: GPOptions(sobolStartup: false))
        let ctx = SamplingContext(space: unit, direction: .minimize, trialNumber: 0, seed: 1)
        XCTAssertEqual(random.sample(ctx), RandomSampler().sample(ctx), "startup: random is the random sampler")
        // A Sobol' point already run (excluded) is not proposed again.
        var sampler = GPSampler()
        let taken = sampler.sample(ctx)!
        var again = ctx
        again.excluded = [ParamKey(taken, space: unit)]
        XCTAssertNotEqual(sampler.sample(again), taken)
    }

    func testItFindsASmoothOptimumSoonerThanRandomSearch() {
        var gpBest: [Double] = [], randomBest: [Double] = []
        for seed in 1...3 {
            var gp = GPSampler(options: GPOptions(nStartupTrials: 5))
            gpBest.append(study(&gp, trials: 20, seed: UInt64(seed)).last!)
            var completed: [Observation] = []
            for t in 0..<20 {
                let p = RandomSampler().sample(SamplingContext(space: space, direction: .maximize, trialNumber: t, seed: UInt64(seed)))!
                completed.append(Observation(params: p, value: objective(p), number: t))
            }
            randomBest.append(completed.map(\.value).max()!)
        }
        XCTAssertGreaterThan(gpBest.sorted()[1], randomBest.sorted()[1], "median best after 20 trials: gp \(gpBest), random \(randomBest)")
    }

    func testRunningTrialsAreNotProposedAgain() {
        var gp = GPSampler(options: GPOptions(nStartupTrials: 4))
        var completed: [Observation] = []
        for t in 0..<8 {
            let p = RandomSampler().sample(SamplingContext(space: space, direction: .maximize, trialNumber: t, seed: 3))!
            completed.append(Observation(params: p, value: objective(p), number: t))
        }
        var running: [Params] = []
        for t in 8..<12 {
            let p = gp.sample(SamplingContext(space: space, direction: .maximize, trialNumber: t, seed: 3, completed: completed, running: running))!
            XCTAssertFalse(running.contains(p), "trial \(t) duplicates a running trial: \(p)")
            running.append(p)
        }
    }

    /// Repeats enter as runs: when a set's runs disagree, the fitted noise is the seed noise.
    func testRepeatsEnterAsRunsAndTheNoiseTermLearnsTheSeedNoise() {
        let oneD = SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 1, log: false, step: nil))])
        func fittedNoise(spread: Double) -> Double {
            var sampler = GPSampler(options: GPOptions(nStartupTrials: 3))
            var runs: [Observation] = [], sets: [Observation] = []
            for i in 0..<6 {
                let x = Double(i) / 5
                let truth = sin(3 * x)
                let values = ParamSetValues(["x": .float(x)])
                let scores = [truth - spread, truth, truth + spread]
                for (r, v) in scores.enumerated() { runs.append(Observation(values: values, value: v, number: 3 * i + r)) }
                sets.append(Observation(values: values, value: truth, number: 3 * i))
            }
            var ctx = SamplingContext(space: oneD, direction: .maximize, trialNumber: 18, seed: 1, completed: sets)
            ctx.runs = runs
            XCTAssertNotNil(sampler.sample(ctx))
            return GPFit.parameters(raw: sampler.lastFit!).noiseVariance
        }
        let quiet = fittedNoise(spread: 0), noisy = fittedNoise(spread: 0.3)
        XCTAssertGreaterThan(noisy, 10 * quiet, "noise \(noisy) with disagreeing repeats, \(quiet) with agreeing ones")
    }

    func testConfigNamesTheGPSampler() throws {
        let yaml = "hydra:\n  sweeper:\n    study_name: s\n    max_trials: 3\n    sampler: {type: gp, n_startup_trials: 4, seed: 9}\n    search_space:\n      x: {type: float, low: 0, high: 1}\n"
        let spec = try ConfigLoader.parse(yaml, path: "g.yaml")
        XCTAssertEqual(spec.sampler, .gp(GPOptions(nStartupTrials: 4)))
        XCTAssertEqual(spec.seed, 9)
        XCTAssertEqual(try ConfigLoader.parse(yaml.replacingOccurrences(of: "{type: gp, n_startup_trials: 4, seed: 9}", with: "gp"), path: "g.yaml").sampler, .gp(GPOptions()))
        XCTAssertThrowsError(try ConfigLoader.parse(yaml.replacingOccurrences(of: "n_startup_trials: 4", with: "n_candidates: 4"), path: "g.yaml"))
        XCTAssertEqual(try ConfigLoader.parse(yaml.replacingOccurrences(of: "seed: 9", with: "startup: random"), path: "g.yaml").sampler,
                       .gp(GPOptions(nStartupTrials: 4, sobolStartup: false)))
        XCTAssertThrowsError(try ConfigLoader.parse(yaml.replacingOccurrences(of: "seed: 9", with: "startup: lhs"), path: "g.yaml")) {
            XCTAssertTrue("\($0)".contains("startup is `sobol` or `random`, not `lhs`"), "\($0)")
        }
    }
    /// The acquisition's search: local searches start from the best point observed, then the
    /// best candidate, then distinct candidates drawn by the roulette, as many as asked; and a
    /// local search never ends below its start.
    func testTheSearchStartsWhereOptunaStartsAndClimbs() throws {
        let unit = SearchSpace((0..<3).map { Parameter(name: "x\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })
        let encoding = GPEncoding(space: unit)
        var g = SeededGenerator(seed: 2)
        let x = (0..<12).map { _ in [g.unit(), g.unit(), g.unit()] }
        let y = x.map { -(($0[0] - 0.3) * ($0[0] - 0.3) + ($0[1] - 0.6) * ($0[1] - 0.6)) }
        let gp = try XCTUnwrap(GaussianProcess(x: x, y: y, categorical: encoding.categorical,
                                               parameters: GPParameters(inverseSquaredLengthscales: [4, 4, 0.1], kernelScale: 1, noiseVariance: 1e-4)))
        let search = AcquisitionSearch(encoding: encoding, acquisition: Acquisition(gp: gp, best: y.max()!),
                                       options: GPOptions(nCandidates: 200, nLocalSearch: 6))
        let candidates = (0..<200).map { _ in encoding.randomPoint(using: &g) }
        let scores = search.acquisition.values(candidates)
        let top = try XCTUnwrap(y.indices.max { y[$0] < y[$1] })
        let starts = search.starts(observedBest: x[top], candidates: candidates, scores: scores, using: &g)
        XCTAssertEqual(starts.count, 6)
        XCTAssertEqual(starts[0].0, x[top])
        XCTAssertEqual(starts[1].1, scores.max())
        XCTAssertEqual(Set(starts.dropFirst().map(\.0)).count, 5, "distinct candidates")
        for (u, value) in starts {
            XCTAssertEqual(value, search.acquisition.value(u), accuracy: 1e-9, "a start carries its own acquisition")
            let (optimum, reached) = search.localOptimum(u, value)
            XCTAssertGreaterThanOrEqual(reached, value, "from \(u)")
            XCTAssertTrue(optimum.allSatisfy { (0...1).contains($0) }, "\(optimum) stays in the cube")
        }
    }
}
