import XCTest
@testable import HyperOpt

final class GridSamplerTests: XCTestCase {
    let space = SearchSpace([
        Parameter(name: "q", distribution: .float(low: 0, high: 1, log: false, step: 0.5)),
        Parameter(name: "n", distribution: .int(low: 2, high: 8, log: false, step: 3)),
        Parameter(name: "c", distribution: .categorical(choices: [.string("min"), .string("max")])),
    ])

    func grid() throws -> GridSampler { try GridSampler(space: space) }

    func testEnumeratesEveryPointOnceThenStops() throws {
        let sampler = try grid()
        XCTAssertEqual(sampler.size, 18)
        let history = runStudy(sampler, space: space, seed: 1, trials: 30) { _ in 0 }
        XCTAssertEqual(history.count, 18, "a finished grid proposes nothing")
        let points = Set(history.map { ParamKey($0.params, space: space) })
        XCTAssertEqual(points.count, 18)
        let qs = Set(history.compactMap { $0.params["q"] }), ns = Set(history.compactMap { $0.params["n"] })
        XCTAssertEqual(qs, [.float(0), .float(0.5), .float(1)])
        XCTAssertEqual(ns, [.int(2), .int(5), .int(8)])
    }

    func testOrderIsShuffledBySeed() throws {
        let a = runStudy(try grid(), space: space, seed: 1, trials: 18) { _ in 0 }.map(\.params)
        let b = runStudy(try grid(), space: space, seed: 1, trials: 18) { _ in 0 }.map(\.params)
        let c = runStudy(try grid(), space: space, seed: 2, trials: 18) { _ in 0 }.map(\.params)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testNeverReturnsAnExcludedPoint() throws {
        let sampler = try grid()
        let all = (0..<sampler.size).map { ParamKey(values: sampler.point($0)) }
        var g = SeededGenerator(seed: 3)
        for round in 0..<100 {
            let excluded = Set(all.filter { _ in g.unit() < 0.8 })
            let ctx = SamplingContext(space: space, direction: .minimize, trialNumber: round, seed: UInt64(round),
                                      excluded: excluded)
            if let p = sampler.sample(ctx) {
                XCTAssertFalse(excluded.contains(ParamKey(p, space: space)))
            } else {
                XCTAssertEqual(excluded.count, all.count, "nil only when every point is excluded")
            }
        }
    }

    func testPrefersPointsNotRunningNorDone() throws {
        let sampler = try grid()
        let first = sampler.sample(SamplingContext(space: space, direction: .minimize, trialNumber: 0, seed: 4))
        guard let first else { return XCTFail("no proposal") }
        let second = sampler.sample(SamplingContext(space: space, direction: .minimize, trialNumber: 1, seed: 4, running: [first]))
        XCTAssertNotEqual(second, first)
        // Every point done once: repeats come from sets not excluded, the running one last.
        let done = (0..<sampler.size).map { Observation(params: params(sampler.point($0)), value: 0, number: $0) }
        let repeatCtx = SamplingContext(space: space, direction: .minimize, trialNumber: 18, seed: 4, completed: done,
                                        running: [first])
        let again = sampler.sample(repeatCtx)
        XCTAssertNotNil(again)
        XCTAssertNotEqual(again, first)
    }

    func testRefusesAContinuousParameter() {
        let continuous = SearchSpace([
            Parameter(name: "++algorithm.learning_rate", distribution: .float(low: 1e-4, high: 1e-2, log: true, step: nil)),
        ])
        XCTAssertThrowsError(try makeSampler(.grid, space: continuous)) { error in
            XCTAssertEqual(error as? SamplerError, .gridNeedsStep(parameter: "++algorithm.learning_rate", low: 1e-4, high: 1e-2, log: true))
            let text = "\(error)"
            XCTAssertTrue(text.contains("++algorithm.learning_rate") && text.contains("categorical") && text.contains("sampler: tpe"), text)
            XCTAssertEqual(error.localizedDescription, text)
        }
        let linear = SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 2, log: false, step: nil))])
        XCTAssertThrowsError(try makeSampler(.grid, space: linear)) { error in
            XCTAssertEqual("\(error)", "The grid sampler cannot enumerate 'x', a float parameter without a step. Give it one "
                           + "(`{type: float, low: 0.0, high: 2.0, step: 0.2}`) or use `sampler: tpe`.")
        }
    }

    func testMakeSamplerBuildsEachKind() throws {
        XCTAssertEqual(try makeSampler(.random, space: space).name, "random")
        XCTAssertEqual(try makeSampler(.grid, space: space).name, "grid")
        var options = TPEOptions()
        options.nStartupTrials = 3
        let tpe = try makeSampler(.tpe(options), space: space)
        XCTAssertEqual((tpe as? TPESampler)?.options.nStartupTrials, 3)
    }

    func testFeistelOrderIsAPermutation() {
        for size in [1, 2, 3, 17, 64, 1000] {
            let order = GridOrder(size: size, seed: 42)
            XCTAssertEqual(Set((0..<size).map(order.index(at:))).count, size)
        }
    }

    private func params(_ values: [ParamValue]) -> Params {
        var out = Params()
        for (p, v) in zip(space.parameters, values) { out[p.name] = v }
        return out
    }
}
