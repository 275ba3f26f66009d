import XCTest
@testable import HyperOpt

/// Every value a sampler proposes must be one the parameter can take: inside the bounds and on
/// the step grid, for every kind of parameter, whatever the seed.
final class DistributionSamplingTests: XCTestCase {
    let space = SearchSpace([
        Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
        Parameter(name: "x", distribution: .float(low: -2, high: 3, log: false, step: nil)),
        // high is off the grid on purpose: the top value is 0.9.
        Parameter(name: "q", distribution: .float(low: 0, high: 1, log: false, step: 0.3)),
        Parameter(name: "n", distribution: .int(low: 1, high: 9, log: false, step: 1)),
        Parameter(name: "units", distribution: .int(low: 4, high: 1024, log: true, step: 1)),
        Parameter(name: "batch", distribution: .int(low: 16, high: 250, log: false, step: 16)),
        Parameter(name: "act", distribution: .categorical(choices: [.string("relu"), .string("tanh"), .int(3), .null])),
    ])

    func objective(_ p: Params) -> Double {
        let lr = log10(number(p, "lr")) + 3
        let act: Double = p["act"] == .string("tanh") ? 0 : 1
        return lr * lr + number(p, "x") * number(p, "x") + abs(number(p, "q") - 0.9) + abs(number(p, "n") - 9)
            + abs(log2(number(p, "units")) - 10) + abs(number(p, "batch") - 240) / 16 + act
    }

    private func assertValid(_ params: Params, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(params.count, space.parameters.count, file: file, line: line)
        for p in space.parameters {
            guard let v = params[p.name] else { return XCTFail("missing \(p.name)", file: file, line: line) }
            XCTAssertTrue(p.distribution.contains(v), "\(p.name) = \(v) is not a value of \(p.distribution)",
                          file: file, line: line)
        }
        // A float on a grid is exactly low + k * step, so equal sets compare equal.
        if let q = params["q"]?.number {
            XCTAssertTrue([0, 0.3, 0.6, 0.8999999999999999, 0.9].contains(q), "q = \(q)", file: file, line: line)
        }
    }

    func testTPEProposalsStayInBoundsAndOnTheGrid() {
        for multivariate in [true, false] {
            var options = TPEOptions()
            options.multivariate = multivariate
            var sampler = TPESampler(options: options)
            for seed in 0..<40 {
                let history = randomObservations(space, count: 5 + seed, seed: UInt64(seed), objective: objective)
                for attempt in 0..<3 {
                    let context = SamplingContext(space: space, direction: .minimize, trialNumber: history.count,
                                                  seed: UInt64(seed), attempt: attempt, completed: history)
                    guard let params = sampler.sample(context) else { return XCTFail("no proposal") }
                    assertValid(params)
                }
            }
        }
    }

    func testTPEStudiesReachTheEdgesOfTheGridAndStayOnIt() {
        // The objective pulls q, n and batch to their top values: the extreme bins must work.
        let history = runStudy(TPESampler(), space: space, seed: 3, trials: 80, objective: objective)
        history.forEach { assertValid($0.params) }
        XCTAssertTrue(history.contains { $0.params["batch"] == .int(240) }, "never proposed the top batch 240")
        XCTAssertTrue(history.contains { $0.params["n"] == .int(9) })
    }

    func testRandomProposalsStayInBoundsAndOnTheGrid() {
        for seed in 0..<200 {
            let context = SamplingContext(space: space, direction: .minimize, trialNumber: seed % 7, seed: UInt64(seed))
            guard let params = RandomSampler().sample(context) else { return XCTFail("no proposal") }
            assertValid(params)
        }
    }

    /// A stepped float whose range is a whole number of steps counts its top value, however the
    /// division rounds: 0…0.3 by 0.1 is 4 values, and random search reaches 0.3.
    func testASteppedFloatCountsItsTopValue() {
        let d = Distribution.float(low: 0, high: 0.3, log: false, step: 0.1)
        XCTAssertEqual(d.cardinality, 4)
        XCTAssertEqual(Distribution.float(low: 0, high: 0.35, log: false, step: 0.1).cardinality, 4, "a partial step adds no value")
        XCTAssertEqual(Distribution.float(low: 0.5, high: 5, log: false, step: 0.5).cardinality, 10)
        var g = SeededGenerator(seed: 3)
        var seen = Set<Double>()
        for _ in 0..<400 { if case .float(let v) = d.sampleUniform(using: &g) { seen.insert((v * 10).rounded()) } }
        XCTAssertEqual(seen, [0, 1, 2, 3])
    }

    func testTrialsDrawIndependentStreams() {
        // Neighbouring trials (and attempts) must not replay each other's numbers shifted by one.
        for seed in [0, 1, 42] as [UInt64] {
            var draws = Set<UInt64>()
            for trial in 0..<50 {
                for attempt in 0..<3 {
                    var g = SamplingContext(space: space, direction: .minimize, trialNumber: trial, seed: seed,
                                            attempt: attempt).makeGenerator()
                    for _ in 0..<20 { draws.insert(g.next()) }
                }
            }
            XCTAssertEqual(draws.count, 50 * 3 * 20, "seed \(seed)")
        }
    }

    func testDomainSnapsDrawsOntoTheGrid() {
        let q = ParameterDomain(.float(low: 0, high: 1, log: false, step: 0.3))
        // The widened domain ends half a step past the top grid value 0.9, not past `high`.
        XCTAssertEqual(q.high, 1.05, accuracy: 1e-12)
        XCTAssertEqual(q.external(1.04), .float(0.8999999999999999))
        XCTAssertEqual(q.external(-0.1), .float(0))
        let units = ParameterDomain(.int(low: 4, high: 1024, log: true, step: 1))
        XCTAssertEqual(units.low, log(3.5), accuracy: 1e-12)
        XCTAssertEqual(units.high, log(1024.5), accuracy: 1e-12)
        XCTAssertEqual(units.external(log(100.4)), .int(100))
        XCTAssertEqual(units.internalValue(.int(100)), log(100))
        let batch = ParameterDomain(.int(low: 16, high: 250, log: false, step: 16))
        XCTAssertEqual(batch.high, 248, "top grid value 240 plus half a step")
        XCTAssertEqual(batch.external(247), .int(240))
        let act = ParameterDomain(.categorical(choices: [.string("a"), .string("b")]))
        XCTAssertEqual(act.internalValue(.string("b")), 1)
        XCTAssertNil(act.internalValue(.string("zzz")))
    }
    /// The unit interval every view of a parameter's range shares (the GP's cube, the charts'
    /// axes): log parameters in log space, ints like floats, nothing for a categorical one.
    func testUnitPositionsAndTheirInverse() throws {
        let lr = Distribution.float(low: 1e-5, high: 1e-1, log: true, step: nil)
        XCTAssertEqual(try XCTUnwrap(lr.unitPosition(1e-3)), 0.5, accuracy: 1e-12, "halfway in log space")
        XCTAssertEqual(try XCTUnwrap(lr.value(atUnitPosition: 0.5)), 1e-3, accuracy: 1e-15)
        let batch = Distribution.int(low: 16, high: 250, log: false, step: 16)
        XCTAssertEqual(batch.unitPosition(16), 0)
        XCTAssertEqual(batch.unitPosition(250), 1)
        XCTAssertEqual(batch.value(atUnitPosition: 1), 250)
        XCTAssertEqual(Distribution.float(low: -2, high: 3, log: false, step: nil).unitPosition(5.5), 1.5, "not clamped")
        XCTAssertEqual(Distribution.int(low: 4, high: 4, log: true, step: 1).unitPosition(4), 0.5, "one value: the middle")
        XCTAssertNil(Distribution.categorical(choices: [.int(1), .int(2)]).unitPosition(1))
        XCTAssertNil(Distribution.categorical(choices: [.int(1), .int(2)]).value(atUnitPosition: 0.5))
        for p in space.parameters {
            guard case .float = p.distribution else { continue }
            for u in [0.0, 0.25, 0.7, 1] {
                let x = try XCTUnwrap(p.distribution.value(atUnitPosition: u))
                XCTAssertEqual(try XCTUnwrap(p.distribution.unitPosition(x)), u, accuracy: 1e-12, "\(p.name) at \(u)")
            }
        }
    }
}
