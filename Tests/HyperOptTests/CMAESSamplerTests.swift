import Foundation
import XCTest
@testable import HyperOpt

/// `sampler: cmaes`: the tell update against the `cmaes` package, the default weights and
/// population size, the box encoding, the replay of generations (and its cache), reproducibility,
/// categorical parameters, and that it optimises (a shifted sphere far better than random search).
final class CMAESSamplerTests: XCTestCase {
    // Two generations of 7 solutions in 3 dimensions (λ = 4 + ⌊3 ln 3⌋ = 7), losses to minimise.
    // In the second, the step-size path is long enough that hσ = 0 (the stalled-path branch).
    let generation1: [(x: [Double], loss: Double)] = [
        ([0.42, 0.61, 0.55], 3.0), ([0.58, 0.37, 0.49], 1.5), ([0.33, 0.52, 0.71], 4.2), ([0.64, 0.45, 0.38], 0.7),
        ([0.51, 0.68, 0.44], 2.6), ([0.47, 0.29, 0.62], 5.1), ([0.70, 0.55, 0.30], 0.2),
    ]
    let generation2: [(x: [Double], loss: Double)] = [
        ([0.80, 0.35, 0.20], 0.1), ([0.62, 0.48, 0.41], 1.1), ([0.95, 0.30, 0.15], 0.05), ([0.55, 0.60, 0.35], 2.0),
        ([0.72, 0.25, 0.33], 0.4), ([0.66, 0.52, 0.10], 0.9), ([0.85, 0.41, 0.28], 0.3),
    ]

    func assertEqual(_ a: [Double], _ b: [Double], accuracy: Double = 1e-12, _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() { XCTAssertEqual(x, y, accuracy: accuracy, "\(what)[\(i)]", line: line) }
    }

    /// Reference made with cmaes 0.13.1 (the package Optuna 5.1 runs):
    ///     o = cmaes.CMA(mean=np.array([0.5, 0.5, 0.5]), sigma=1/6, bounds=np.array([[0, 1.]] * 3))
    ///     o.tell([(np.array(x), y) for x, y in generation1]); print(o._mean, o._sigma, o._C, o._pc, o._p_sigma)
    ///     o.tell([(np.array(x), y) for x, y in generation2]); print(...)
    func testTheTellUpdateMatchesTheCmaesPackage() {
        var s = CMAState(strategy: .full(dimension: 3, popsize: 7), mean: [0.5, 0.5, 0.5], sigma: 1.0 / 6)
        s.tell(generation1)
        assertEqual(s.mean, [0.6678467659764646, 0.49884192343214834, 0.34651694890510754], "mean after 1")
        XCTAssertEqual(s.sigma, 0.1686663357010223, accuracy: 1e-12)
        assertEqual(s.covariance.flatMap { $0 }, [1.131877555164479, 0.01893323836118345, -0.13488088392546627,
                                                  0.01893323836118345, 0.8163145859373465, 0.0393636590648195,
                                                  -0.13488088392546627, 0.0393636590648195, 1.0489790051094277], "C after 1")
        assertEqual(s.pathC, [1.3570952609898226, -0.009363422720430772, -1.240959991521932], "pc after 1")
        assertEqual(s.pathSigma, [1.226374811381786, -0.008461503110902347, -1.1214261218663744], "p_sigma after 1")
        s.tell(generation2)
        XCTAssertEqual(s.generation, 2)
        assertEqual(s.mean, [0.8939233829882323, 0.32800968508863293, 0.18044033189333994], "mean after 2")
        XCTAssertEqual(s.sigma, 0.22241717819266082, accuracy: 1e-12)
        assertEqual(s.covariance.flatMap { $0 }, [1.1826371361294512, 0.00441242440865324, -0.18103907683865397,
                                                  0.004412424408653233, 0.8354833980409846, 0.12334512748332682,
                                                  -0.181039076838654, 0.12334512748332682, 1.0305101867286688], "C after 2")
        assertEqual(s.pathC, [0.5987486338663627, -0.004131129717513051, -0.5475099066108536], "pc after 2 (hσ = 0)")
        assertEqual(s.pathSigma, [2.2036964986935446, -1.3632997011931907, -1.7075367493761555], "p_sigma after 2")
    }

    /// Reference made as above with cmaes.SepCMA (same mean, sigma, bounds, generations).
    func testTheSeparableTellMatchesSepCMA() {
        var s = CMAState(strategy: .separable(dimension: 3, popsize: 7), mean: [0.5, 0.5, 0.5], sigma: 1.0 / 6)
        s.tell(generation1)
        assertEqual(s.mean, [0.6678467659764648, 0.49884192343214834, 0.34651694890510754], "mean after 1")
        XCTAssertEqual(s.sigma, 0.17375910985222576, accuracy: 1e-12)
        assertEqual((0..<3).map { s.covariance[$0][$0] }, [1.0987932814767905, 0.738176443587779, 1.0532181284618474], "diag C after 1")
        s.tell(generation2)
        assertEqual(s.mean, [0.8939233829882324, 0.3280096850886329, 0.18044033189333994], "mean after 2")
        XCTAssertEqual(s.sigma, 0.2482557888256763, accuracy: 1e-12)
        assertEqual((0..<3).map { s.covariance[$0][$0] }, [1.2585529331493686, 0.7788906091052377, 1.0469549488658396], "diag C after 2")
        assertEqual(s.pathC, [0.585564667812252, -0.004040165545103789, -0.5354541763515042], "pc after 2")
        XCTAssertEqual(s.covariance[0][1], 0, "a separable covariance stays diagonal")
    }

    /// Reference: cmaes.CMA(mean=np.zeros(n) + 0.5, sigma=1/6) for n = 1, 2, 3, 4, 10 (its
    /// `_popsize`, `_weights`, `_mu_eff`, `_c1`, `_cmu`, `_c_sigma`, `_d_sigma`, `_cc`).
    func testTheDefaultPopsizeWeightsAndLearningRatesAreHansens() {
        XCTAssertEqual([1, 2, 3, 4, 10].map { CMAStrategy.defaultPopsize(dimension: $0) }, [4, 6, 7, 8, 10])
        let four = CMAStrategy.full(dimension: 4, popsize: 8)
        assertEqual(four.weights, [0.5299301844787792, 0.2857142857142857, 0.14285714285714282, 0.041498386949792215,
                                   -0.17013144983238102, -0.4645361478293983, -0.7134517732694925, -0.9290722956587966], "weights n=4")
        XCTAssertEqual(four.weights.filter { $0 > 0 }.reduce(0, +), 1, accuracy: 1e-12, "the positive weights sum to 1")
        XCTAssertEqual(four.mu, 4)
        XCTAssertEqual(four.muEff, 2.6001788261131793, accuracy: 1e-12)
        XCTAssertEqual(four.c1, 0.06516742738228268, accuracy: 1e-14)
        XCTAssertEqual(four.cmu, 0.05102399983259446, accuracy: 1e-14)
        XCTAssertEqual(four.cSigma, 0.39656102677983807, accuracy: 1e-14)
        XCTAssertEqual(four.dSigma, 1.396561026779838, accuracy: 1e-14)
        XCTAssertEqual(four.cc, 0.5, accuracy: 1e-14)
        let ten = CMAStrategy.full(dimension: 10, popsize: 10)
        XCTAssertEqual(ten.c1, 0.015283824524751714, accuracy: 1e-14)
        XCTAssertEqual(ten.cmu, 0.02015428276120838, accuracy: 1e-14)
        XCTAssertEqual(ten.weights[9], -0.5862218287788353, accuracy: 1e-14)
        let sep = CMAStrategy.separable(dimension: 3, popsize: 7)
        assertEqual(sep.weights, [0.5856451065097651, 0.29282255325488254, 0.12153234023535246], "sep weights")
        XCTAssertEqual(sep.cmu, 0.19530454973098976, accuracy: 1e-14)
        XCTAssertEqual(sep.cSigma, 0.5154343301251543, accuracy: 1e-14)
        XCTAssertEqual(sep.cc, 4.0 / 7, accuracy: 1e-14)
    }

    func testTheJacobiEigensolverDecomposesASymmetricMatrix() {
        let two = SymmetricEigen([[2, 1], [1, 2]])
        assertEqual(two.values, [1, 3], "eigenvalues of [[2, 1], [1, 2]]")
        XCTAssertEqual(abs(two.vectors[0][0]), 0.5.squareRoot(), accuracy: 1e-14)
        let m: [[Double]] = [[4, 1, 0.5, 0.1], [1, 3, -0.2, 0], [0.5, -0.2, 2, 0.3], [0.1, 0, 0.3, 1]]
        let e = SymmetricEigen(m)
        XCTAssertEqual(e.values, e.values.sorted(), "ascending")
        XCTAssertEqual(e.values.reduce(0, +), 10, accuracy: 1e-12, "the trace is kept")
        for i in 0..<4 {
            for j in 0..<4 {
                let rebuilt = (0..<4).reduce(0.0) { $0 + e.vectors[i][$1] * e.values[$1] * e.vectors[j][$1] }
                XCTAssertEqual(rebuilt, m[i][j], accuracy: 1e-12, "B Λ Bᵀ = A at \(i), \(j)")
                let dot = (0..<4).reduce(0.0) { $0 + e.vectors[$1][i] * e.vectors[$1][j] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-12, "orthonormal eigenvectors")
            }
        }
    }

    let mixed = SearchSpace([
        Parameter(name: "++lr", distribution: .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
        Parameter(name: "layers", distribution: .int(low: 0, high: 10, log: false, step: 1)),
        Parameter(name: "batch", distribution: .int(low: 1, high: 100, log: true, step: 1)),
        Parameter(name: "tau", distribution: .float(low: 0, high: 1, log: false, step: 0.25)),
        Parameter(name: "critic", distribution: .categorical(choices: [.string("min"), .string("max"), .string("mean")])),
        Parameter(name: "fixed", distribution: .int(low: 3, high: 3, log: false, step: 1)),
    ])

    /// Positions as Optuna's `_SearchSpaceTransform(transform_step=True, transform_0_1=True)`:
    /// log floats in log space, ints and steps widened by half a step.
    func testEncodingPlacesParametersInTheBoxAndDecodesBack() {
        let e = CMAEncoding(space: mixed)
        XCTAssertEqual(e.axes.map(\.name), ["++lr", "layers", "batch", "tau"], "categorical and single-valued parameters are not searched")
        XCTAssertEqual(e.independent.map(\.name), ["critic", "fixed"])
        let p: Params = ["++lr": .float(1e-3), "layers": .int(5), "batch": .int(10), "tau": .float(0.5), "critic": .string("max"), "fixed": .int(3)]
        let u = e.encode(p)!
        XCTAssertEqual(u[0], 0.5, accuracy: 1e-12, "1e-3 is halfway between 1e-5 and 1e-1 in log space")
        XCTAssertEqual(u[1], 0.5, accuracy: 1e-12, "5 is the middle of [-0.5, 10.5]")
        XCTAssertEqual(u[2], (log(10) - log(0.5)) / (log(100.5) - log(0.5)), accuracy: 1e-12, "a log int spans [log 0.5, log 100.5]")
        XCTAssertEqual(u[3], 0.5, accuracy: 1e-12, "0.5 is the middle of [-0.125, 1.125]")
        let back = e.decode(u)
        for name in ["++lr", "layers", "batch", "tau"] { XCTAssertEqual(back[name]!.number!, p[name]!.number!, accuracy: 1e-12, name) }
        XCTAssertEqual(back["layers"], .int(5), "ints decode as ints")
        // Points between grid values round to the nearest; points outside the box are clipped.
        let snapped = e.decode([1.3, 0.52, -0.2, 0.62])
        XCTAssertEqual(snapped["++lr"], .float(1e-1))
        XCTAssertEqual(snapped["layers"], .int(5), "0.52 · 11 - 0.5 = 5.22 rounds to 5")
        XCTAssertEqual(snapped["batch"], .int(1))
        XCTAssertEqual(snapped["tau"], .float(0.75), "-0.125 + 0.62 · 1.25 = 0.65 snaps to 0.75")
        XCTAssertEqual(e.decode([0.5, 1, 1, 1])["layers"], .int(10))
        XCTAssertEqual(e.decode([0.5, 1, 1, 1])["tau"], .float(1))
        XCTAssertEqual(e.decode(e.encode(snapped)!), snapped, "a decoded point decodes to itself")
        XCTAssertNil(e.encode(["++lr": .float(-1), "layers": .int(5), "batch": .int(10), "tau": .float(0.5)]), "no place on a log axis")
    }

    func testTheSearchStartsAtTheCentreOrAtX0() {
        let e = CMAEncoding(space: mixed)
        XCTAssertEqual(e.initialMean(x0: nil), [0.5, 0.5, 0.5, 0.5])
        let start = e.initialMean(x0: ["lr": 1e-3, "layers": 99, "tau": 0])
        assertEqual(start, [0.5, 1, 0.5, 0.1], "x0 by key without `++`, clipped into the box, centre where not named")
        let replay = CMAReplay(encoding: e, options: CMAESOptions(), direction: .minimize)
        XCTAssertEqual(replay.state.sigma, 1.0 / 6, accuracy: 1e-15, "sigma0 = smallest range (1 in the box) / 6")
        XCTAssertEqual(replay.state.strategy.popsize, 8, "4 + ⌊3 ln 4⌋")
        let custom = CMAReplay(encoding: e, options: CMAESOptions(sigma0: 0.3, popsize: 12, useSeparableCMA: true), direction: .minimize)
        XCTAssertEqual(custom.state.sigma, 0.3)
        XCTAssertEqual(custom.state.strategy.popsize, 12)
        XCTAssertTrue(custom.state.strategy.separable)
    }

    let sphereSpace = SearchSpace((0..<4).map { Parameter(name: "x\($0)", distribution: .float(low: -5, high: 5, log: false, step: nil)) })

    /// A sphere whose minimum, 0, is at (1.2, -0.8, 2, -2.5).
    func sphere(_ p: Params) -> Double {
        zip([1.2, -0.8, 2.0, -2.5], 0..<4).reduce(0) { sum, c in
            let d = (p["x\(c.1)"]?.number ?? .nan) - c.0
            return sum + d * d
        }
    }

    /// A sequential study: each proposal scored before the next ask. Returns the observations.
    func study(_ sampler: inout some Sampler, space: SearchSpace, trials: Int, seed: UInt64,
               direction: Direction = .minimize, objective: (Params) -> Double) -> [Observation] {
        var completed: [Observation] = []
        for t in 0..<trials {
            let ctx = SamplingContext(space: space, direction: direction, trialNumber: t, seed: seed, completed: completed)
            guard let p = sampler.sample(ctx) else { XCTFail("no proposal"); break }
            completed.append(Observation(params: p, value: objective(p), number: t))
        }
        return completed
    }

    func testTheSameSeedGivesTheSameProposals() {
        var a = CMAESSampler(), b = CMAESSampler(), c = CMAESSampler()
        let first = study(&a, space: sphereSpace, trials: 30, seed: 5, objective: sphere).map(\.params)
        XCTAssertEqual(first, study(&b, space: sphereSpace, trials: 30, seed: 5, objective: sphere).map(\.params))
        XCTAssertNotEqual(first, study(&c, space: sphereSpace, trials: 30, seed: 6, objective: sphere).map(\.params))
    }

    /// Observations after the first (random) one are told `popsize` at a time; a NaN value is a
    /// failed trial and is not counted; maximising tells the negated values.
    func testGenerationsAreReplayedInGroupsOfPopsize() {
        var sampler = CMAESSampler()
        let observed = study(&sampler, space: sphereSpace, trials: 1 + 2 * 8, seed: 3, objective: sphere)
        let encoding = CMAEncoding(space: sphereSpace)
        func generation(_ obs: [Observation], _ direction: Direction = .minimize) -> Int? {
            var fresh = CMAESSampler()
            let ctx = SamplingContext(space: sphereSpace, direction: direction, trialNumber: 99, seed: 3, completed: obs)
            return fresh.replayed(ctx, encoding: encoding)?.generation
        }
        XCTAssertNil(generation([]), "random until one set is scored")
        XCTAssertEqual(generation(Array(observed.prefix(1 + 7))), 0)
        XCTAssertEqual(generation(Array(observed.prefix(1 + 8))), 1)
        XCTAssertEqual(generation(Array(observed.prefix(1 + 15))), 1)
        XCTAssertEqual(generation(observed), 2)
        let failed = Observation(params: observed[4].params, value: .nan, number: 100)
        XCTAssertEqual(generation(Array(observed.prefix(1 + 15)) + [failed]), 1, "a NaN is not a solution")
        // Given out of order, they are told by trial number.
        XCTAssertEqual(generation(observed.reversed()), 2)
        var forward = CMAESSampler(), backward = CMAESSampler()
        let ctx = SamplingContext(space: sphereSpace, direction: .minimize, trialNumber: 99, seed: 3, completed: observed)
        XCTAssertEqual(forward.replayed(ctx, encoding: encoding)?.mean,
                       backward.replayed(SamplingContext(space: sphereSpace, direction: .minimize, trialNumber: 99, seed: 3,
                                                         completed: observed.reversed()), encoding: encoding)?.mean)
        let negated = observed.map { Observation(params: $0.params, value: -$0.value, number: $0.number) }
        var maximising = CMAESSampler()
        let max = maximising.replayed(SamplingContext(space: sphereSpace, direction: .maximize, trialNumber: 99, seed: 3,
                                                      completed: negated), encoding: encoding)
        XCTAssertEqual(max?.mean, forward.replayed(ctx, encoding: encoding)?.mean, "maximising v is minimising -v")
        XCTAssertNotEqual(max?.mean, [0.5, 0.5, 0.5, 0.5])
    }

    /// The sampler that keeps its replay between asks proposes what a fresh one proposes, also
    /// when an old observation changes (a repeat moved its mean) and the replay must start over.
    func testTheCachedReplayEqualsAFreshReplay() {
        var cached = CMAESSampler(options: CMAESOptions(popsize: 5))
        var completed: [Observation] = []
        for t in 0..<40 {
            let ctx = SamplingContext(space: sphereSpace, direction: .minimize, trialNumber: t, seed: 11, completed: completed)
            let fresh = CMAESSampler(options: CMAESOptions(popsize: 5)).proposal(ctx)
            let p = cached.sample(ctx)
            XCTAssertEqual(p, fresh, "trial \(t)")
            completed.append(Observation(params: p!, value: sphere(p!), number: t))
        }
        XCTAssertEqual(cached.cache?.state.generation, 7, "38 solutions after the random one at the last ask: 7 generations of 5")
        completed[3] = Observation(params: completed[3].params, value: completed[3].value + 50, number: 3)
        let ctx = SamplingContext(space: sphereSpace, direction: .minimize, trialNumber: 40, seed: 11, completed: completed)
        var fresh = CMAESSampler(options: CMAESOptions(popsize: 5))
        XCTAssertEqual(cached.sample(ctx), fresh.sample(ctx), "a changed history is replayed afresh")
        XCTAssertEqual(cached.cache?.state.mean, fresh.cache?.state.mean)
        XCTAssertEqual(cached.cache?.state.covariance, fresh.cache?.state.covariance)
    }

    func testStartupTrialsAndSpacesWithoutNumbersAreRandom() {
        let ctx = SamplingContext(space: mixed, direction: .minimize, trialNumber: 0, seed: 9)
        XCTAssertEqual(CMAESSampler().proposal(ctx), RandomSampler().sample(ctx), "nothing scored yet: random")
        let three = SamplingContext(space: mixed, direction: .minimize, trialNumber: 2, seed: 9, completed: [
            Observation(params: RandomSampler().sample(ctx)!, value: 1, number: 0),
        ])
        XCTAssertEqual(CMAESSampler(options: CMAESOptions(nStartupTrials: 2)).proposal(three), RandomSampler().sample(three))
        XCTAssertNotEqual(CMAESSampler(options: CMAESOptions(nStartupTrials: 1)).proposal(three), RandomSampler().sample(three))
        let choices = SearchSpace([Parameter(name: "opt", distribution: .categorical(choices: [.string("adam"), .string("sgd")]))])
        var sampler = CMAESSampler()
        let observed = study(&sampler, space: choices, trials: 20, seed: 2) { $0["opt"] == .string("adam") ? 0 : 1 }
        for o in observed {
            let c = SamplingContext(space: choices, direction: .minimize, trialNumber: o.number, seed: 2,
                                    completed: Array(observed.prefix(o.number)))
            XCTAssertEqual(o.params, RandomSampler().sample(c), "no float or int: every proposal is random")
        }
    }

    func testCategoricalAndSingleValuedParametersAreDrawnUniformly() {
        var sampler = CMAESSampler()
        let observed = study(&sampler, space: mixed, trials: 90, seed: 4) { p in
            abs(log10(p["++lr"]!.number!) + 3) + abs(p["layers"]!.number! - 2) + (p["critic"] == .string("mean") ? 0 : 1)
        }
        for o in observed {
            for parameter in mixed.parameters {
                XCTAssertTrue(parameter.distribution.contains(o.params[parameter.name] ?? .null), "\(parameter.name) = \(String(describing: o.params[parameter.name]))")
            }
        }
        let late = observed.suffix(60).map { $0.params["critic"]! }
        for choice in ["min", "max", "mean"] {
            XCTAssertGreaterThan(late.filter { $0 == .string(choice) }.count, 8, "`\(choice)` is still drawn: categoricals are not learnt")
        }
        XCTAssertTrue(observed.allSatisfy { $0.params["fixed"] == .int(3) })
    }

    func testSetsThatMayNotRunAgainAreNotProposed() {
        let space = SearchSpace([Parameter(name: "n", distribution: .int(low: 0, high: 20, log: false, step: 1))])
        let first = Observation(params: ["n": .int(3)], value: 1, number: 0)
        let excluded = Set([9, 10, 11].map { ParamKey(["n": .int($0)], space: space) })
        for t in 1..<30 {
            let ctx = SamplingContext(space: space, direction: .minimize, trialNumber: t, seed: 1, completed: [first], excluded: excluded)
            let p = CMAESSampler().proposal(ctx)!
            XCTAssertFalse(excluded.contains(ParamKey(p, space: space)), "trial \(t) proposed \(p)")
        }
        // Without the exclusion, the centre's values are proposed (the search starts at 10).
        let proposed = (1..<30).map {
            CMAESSampler().proposal(SamplingContext(space: space, direction: .minimize, trialNumber: $0, seed: 1, completed: [first]))!
        }
        XCTAssertTrue(proposed.contains { excluded.contains(ParamKey($0, space: space)) })
    }

    /// On a shifted 4-D sphere in [-5, 5]⁴, 120 trials: the median best over five seeds is far
    /// below random search's (measured: about 0.1 against 2.8; Optuna's CmaEsSampler: 0.08).
    func testFindsTheSphereOptimumFarBetterThanRandomSearch() {
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        var cma: [Double] = [], separable: [Double] = [], random: [Double] = []
        for seed in UInt64(1)...5 {
            var a = CMAESSampler(), b = CMAESSampler(options: CMAESOptions(useSeparableCMA: true)), r = RandomSampler()
            cma.append(study(&a, space: sphereSpace, trials: 120, seed: seed, objective: sphere).map(\.value).min()!)
            separable.append(study(&b, space: sphereSpace, trials: 120, seed: seed, objective: sphere).map(\.value).min()!)
            random.append(study(&r, space: sphereSpace, trials: 120, seed: seed, objective: sphere).map(\.value).min()!)
        }
        XCTAssertLessThan(median(cma), median(random) / 10, "cma \(cma), random \(random)")
        XCTAssertLessThan(median(separable), median(random) / 10, "separable \(separable), random \(random)")
        XCTAssertLessThan(median(cma), 0.5)
    }
}
