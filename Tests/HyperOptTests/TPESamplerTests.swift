import XCTest
@testable import HyperOpt

final class TPESamplerTests: XCTestCase {
    let space = SearchSpace([
        Parameter(name: "x", distribution: .float(low: -5, high: 5, log: false, step: nil)),
        Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1, log: true, step: nil)),
        Parameter(name: "c", distribution: .categorical(choices: [.string("a"), .string("b"), .string("c")])),
    ])

    func sphere(_ p: Params) -> Double {
        let x = number(p, "x") - 1.5, y = log10(number(p, "lr")) + 3
        return x * x + y * y + (p["c"] == .string("b") ? 0 : 2)
    }

    func context(_ completed: [Observation], running: [Params] = [], direction: Direction = .minimize,
                 seed: UInt64 = 1, excluded: Set<ParamKey> = []) -> SamplingContext {
        SamplingContext(space: space, direction: direction, trialNumber: completed.count, seed: seed,
                        completed: completed, running: running, excluded: excluded)
    }

    func testGammaAndWeightsAreOptunas() {
        XCTAssertEqual([1, 10, 11, 100, 249, 250, 1000].map(TPESampler.gamma), [1, 1, 2, 10, 25, 25, 25])
        XCTAssertEqual(TPESampler.weights(24), [Double](repeating: 1, count: 24))
        let w = TPESampler.weights(35)
        XCTAssertEqual(w.count, 35)
        XCTAssertEqual(w[0], 1.0 / 35, accuracy: 1e-15)
        XCTAssertEqual(w[9], 1, accuracy: 1e-15, "the ramp of the 10 oldest ends at 1")
        XCTAssertEqual(Array(w[10...]), [Double](repeating: 1, count: 25))
        XCTAssertTrue(zip(w, w.dropFirst()).allSatisfy { $0 <= $1 })
    }

    func testBeatsRandomSearchOverSeeds() {
        var tpe = [Double](), random = [Double]()
        for seed in 0..<6 {
            tpe.append(runStudy(TPESampler(), space: space, seed: UInt64(seed), trials: 50, objective: sphere).map(\.value).min() ?? .nan)
            random.append(runStudy(RandomSampler(), space: space, seed: UInt64(seed), trials: 50, objective: sphere).map(\.value).min() ?? .nan)
        }
        XCTAssertLessThan(median(tpe), median(random) / 2, "tpe \(tpe) random \(random)")
    }

    func testMaximizesToo() {
        let best = runStudy(TPESampler(), space: space, direction: .maximize, seed: 4, trials: 50) { -self.sphere($0) }
            .map(\.value).max() ?? .nan
        let random = runStudy(RandomSampler(), space: space, direction: .maximize, seed: 4, trials: 50) { -self.sphere($0) }
            .map(\.value).max() ?? .nan
        XCTAssertGreaterThan(best, random)
    }

    func testSameSeedSameSequenceOtherSeedOtherSequence() {
        let a = runStudy(TPESampler(), space: space, seed: 11, trials: 30, objective: sphere).map(\.params)
        let b = runStudy(TPESampler(), space: space, seed: 11, trials: 30, objective: sphere).map(\.params)
        let c = runStudy(TPESampler(), space: space, seed: 12, trials: 30, objective: sphere).map(\.params)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(Array(a.suffix(20)), Array(c.suffix(20)))
    }

    func testStartupTrialsAreRandomSearch() {
        let history = randomObservations(space, count: 9, seed: 2, objective: sphere)
        XCTAssertEqual(TPESampler().proposal(context(history)), RandomSampler().sample(context(history)))
        var options = TPEOptions()
        options.nStartupTrials = 5
        XCTAssertNotEqual(TPESampler(options: options).proposal(context(history)), RandomSampler().sample(context(history)))
    }

    func testDirectionsAreSymmetric() {
        let history = randomObservations(space, count: 40, seed: 3, objective: sphere)
        let negated = history.map { Observation(params: $0.params, value: -$0.value, number: $0.number) }
        for seed in 0..<5 as Range<UInt64> {
            XCTAssertEqual(TPESampler().proposal(context(history, seed: seed)),
                           TPESampler().proposal(context(negated, direction: .maximize, seed: seed)))
        }
        // And the direction matters: the same values read the other way give other proposals.
        XCTAssertNotEqual(TPESampler().proposal(context(history)), TPESampler().proposal(context(history, direction: .maximize)))
    }

    func testConstantLiarSpreadsParallelProposals() {
        let history = randomObservations(space, count: 30, seed: 4, objective: sphere)
        let alone = TPESampler().proposal(context(history))
        guard let first = alone else { return XCTFail("no proposal") }
        // A second worker asks while the first proposal runs: it must not propose the same spot.
        let next = TPESampler().proposal(context(history, running: [first]))
        XCTAssertNotEqual(next, alone)
        var options = TPEOptions()
        options.constantLiar = false
        XCTAssertEqual(TPESampler(options: options).proposal(context(history, running: [first])),
                       TPESampler(options: options).proposal(context(history)))
    }

    func testExcludedSetsAreNotProposed() {
        // The best candidate excluded, the next best of the same draws is proposed instead.
        let history = randomObservations(space, count: 30, seed: 5, objective: sphere)
        for seed in 0..<10 as Range<UInt64> {
            guard let first = TPESampler().proposal(context(history, seed: seed)) else { return XCTFail("no proposal") }
            let key = ParamKey(first, space: space)
            guard let second = TPESampler().proposal(context(history, seed: seed, excluded: [key])) else { return XCTFail("no proposal") }
            XCTAssertNotEqual(ParamKey(second, space: space), key)
        }
        // On a small discrete space too, while free sets remain among the candidates.
        let grid = SearchSpace([
            Parameter(name: "n", distribution: .int(low: 0, high: 3, log: false, step: 1)),
            Parameter(name: "c", distribution: .categorical(choices: [.string("a"), .string("b")])),
        ])
        let small = randomObservations(grid, count: 20, seed: 5) { number($0, "n") + ($0["c"] == .string("a") ? 0 : 1) }
        var excluded = Set<ParamKey>()
        for _ in 0..<3 {
            let ctx = SamplingContext(space: grid, direction: .minimize, trialNumber: 20, seed: 9, completed: small, excluded: excluded)
            guard let p = TPESampler().proposal(ctx) else { return XCTFail("no proposal") }
            let key = ParamKey(p, space: grid)
            XCTAssertFalse(excluded.contains(key), "proposed excluded \(p) after \(excluded.count) exclusions")
            excluded.insert(key)
        }
    }

    func testCategoricalConcentratesOnTheBestChoice() {
        let cat = SearchSpace([Parameter(name: "c", distribution: .categorical(choices: ["a", "b", "c", "d", "e"].map(ParamValue.string)))])
        var history = randomObservations(cat, count: 10, seed: 6) { $0["c"] == .string("d") ? 0 : 1 }
        var picks = [ParamValue]()
        for t in 10..<40 {
            let ctx = SamplingContext(space: cat, direction: .minimize, trialNumber: t, seed: 6, completed: history)
            guard let p = TPESampler().proposal(ctx) else { return XCTFail("no proposal") }
            picks.append(p["c"] ?? .null)
            history.append(Observation(params: p, value: p["c"] == .string("d") ? 0 : 1, number: t))
        }
        XCTAssertGreaterThan(picks.filter { $0 == .string("d") }.count, 15, "\(picks)")
    }

    func testIndependentModeAlsoOptimizes() {
        var options = TPEOptions()
        options.multivariate = false
        var tpe = [Double](), random = [Double]()
        for seed in 0..<4 {
            tpe.append(runStudy(TPESampler(options: options), space: space, seed: UInt64(seed), trials: 50, objective: sphere).map(\.value).min() ?? .nan)
            random.append(runStudy(RandomSampler(), space: space, seed: UInt64(seed), trials: 50, objective: sphere).map(\.value).min() ?? .nan)
        }
        XCTAssertLessThan(median(tpe), median(random))
    }

    func testRememberedHistoryNeverChangesAProposal() {
        // One sampler asked along a growing study (its memo in use) against a fresh sampler per ask.
        var shared = TPESampler()
        var history = randomObservations(space, count: 12, seed: 7, objective: sphere)
        for t in 0..<15 {
            let ctx = context(history, seed: UInt64(t))
            let p = shared.sample(ctx)
            XCTAssertEqual(p, TPESampler().proposal(ctx))
            guard let p else { return XCTFail("no proposal") }
            history.append(Observation(params: p, value: sphere(p), number: history.count))
        }
        // Another study of the same length through the same sampler: the memo must not leak.
        let other = randomObservations(space, count: history.count, seed: 8, objective: sphere)
        XCTAssertEqual(shared.sample(context(other)), TPESampler().proposal(context(other)))
        // A repeat changes a set's mean, not its parameters.
        var updated = other
        updated[3] = Observation(params: other[3].params, value: -100, number: other[3].number)
        XCTAssertEqual(shared.sample(context(updated)), TPESampler().proposal(context(updated)))
    }

    func testRememberedKernelsNeverChangeAProposalInALongStudy() {
        // Past ~40 sets the above side is windowed and its kernels come from the sampler's memory:
        // proposals must match a fresh sampler's exactly, with and without running sets, and
        // with a stepped int among the parameters.
        assertMemoryNeverChangesAProposal(start: 60, seed: 11, asks: 30, runningEvery: 3)
    }

    func testEditedAboveNeverChangesAProposal() {
        // Past ~100 above-side sets the sampler edits its remembered above side from one ask to the
        // next instead of building it again: proposals must match a fresh sampler's exactly, also
        // when sets are running or a repeat changes a set's mean.
        assertMemoryNeverChangesAProposal(start: 130, seed: 12, asks: 45, runningEvery: 5, changeMeanEvery: 7)
    }

    /// One sampler asked along a growing study (its memories in use) against a fresh sampler at
    /// every ask, in this space and with a stepped int added. Every `runningEvery`-th ask sees the
    /// two newest sets as running; every `changeMeanEvery`-th ask an older set's mean changes.
    private func assertMemoryNeverChangesAProposal(start: Int, seed: UInt64, asks: Int, runningEvery: Int,
                                                   changeMeanEvery: Int? = nil, line: UInt = #line) {
        let stepped = SearchSpace(space.parameters + [
            Parameter(name: "n", distribution: .int(low: 1, high: 64, log: true, step: 1)),
        ])
        for space in [space, stepped] {
            var shared = TPESampler()
            var history = randomObservations(space, count: start, seed: seed, objective: sphere)
            for t in 0..<asks {
                let running = t % runningEvery == runningEvery - 1 ? history.suffix(2).map(\.params) : []
                if let every = changeMeanEvery, t % every == every - 1 {
                    let i = (t * 37) % history.count
                    history[i] = Observation(params: history[i].params, value: history[i].value - 3, number: history[i].number)
                }
                let ctx = SamplingContext(space: space, direction: .minimize, trialNumber: history.count, seed: UInt64(t),
                                          completed: history, running: running)
                let p = shared.sample(ctx)
                XCTAssertEqual(p, TPESampler().proposal(ctx), "ask \(t), \(space.parameters.count) parameters", line: line)
                guard let p else { return XCTFail("no proposal", line: line) }
                history.append(Observation(params: p, value: sphere(p), number: history.count))
            }
        }
    }

    func testSetsThatDoNotFitTheSpaceAreIgnored() {
        var history = randomObservations(space, count: 30, seed: 9, objective: sphere)
        let clean = TPESampler().proposal(context(history))
        history.append(Observation(params: ["x": .float(1), "lr": .float(0.1)], value: -1e9, number: 30))
        history.append(Observation(params: ["x": .float(1), "lr": .float(0.1), "c": .string("zzz")], value: -1e9, number: 31))
        history.append(Observation(params: ["x": .float(1), "lr": .float(0.1), "c": .string("a")], value: .nan, number: 32))
        let ctx = SamplingContext(space: space, direction: .minimize, trialNumber: 30, seed: 1, completed: history)
        XCTAssertEqual(TPESampler().proposal(ctx), clean)
    }
}
