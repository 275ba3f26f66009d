import Foundation
import XCTest
@testable import HyperOpt

/// Parameter importance (PED-ANOVA) and its direction on designed problems, and the study's
/// history (best-so-far, stagnation).
final class ImportanceTests: XCTestCase {
    let space = SearchSpace([
        Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
        Parameter(name: "tau", distribution: .float(low: 0, high: 1, log: false, step: nil)),
        Parameter(name: "noise", distribution: .float(low: 0, high: 1, log: false, step: nil)),
        Parameter(name: "critic", distribution: .categorical(choices: [.string("min"), .string("max")])),
    ])

    /// 200 random trials: lr dominates (higher is better), tau matters a little (best near 0.7),
    /// `noise` not at all, and `critic: min` adds a small bonus.
    func trials(seed: UInt64 = 1) -> [(params: Params, score: Double)] {
        var g = SeededGenerator(seed: seed)
        return (0..<200).map { _ in
            var p = Params()
            for q in space.parameters { p[q.name] = q.distribution.sampleUniform(using: &g) }
            let lr = (log10(p["lr"]!.number!) + 5) / 4, tau = p["tau"]!.number! - 0.7
            let score = 3 * lr - 0.6 * tau * tau + (p["critic"] == .string("min") ? 0.15 : 0)
            return (p, score)
        }
    }

    func testTheOrderAndTheDirectionComeOutRight() throws {
        let result = Importance.compute(space: space, direction: .maximize, trials: trials())
        XCTAssertEqual(result.first?.name, "lr", "\(result.map { ($0.name, $0.share) })")
        XCTAssertEqual(result.reduce(0) { $0 + $1.share }, 1, accuracy: 1e-12)
        let byName = Dictionary(uniqueKeysWithValues: result.map { ($0.name, $0) })
        XCTAssertGreaterThan(byName["lr"]!.share, 0.5)
        XCTAssertLessThan(byName["noise"]!.share, byName["lr"]!.share / 5, "the parameter that does nothing ranks far below")
        XCTAssertEqual(byName["lr"]!.directionText(), "higher lr → better")
        XCTAssertEqual(byName["critic"]!.direction, .bestChoice(.string("min")))
        XCTAssertEqual(byName["lr"]!.n, 200)
        guard case .bestNear(let v)? = byName["tau"]!.direction else { return XCTFail("tau: \(String(describing: byName["tau"]!.direction))") }
        XCTAssertEqual(try XCTUnwrap(v.number), 0.7, accuracy: 0.25)
        // Minimising the negated score is the same problem: the same importances, the same directions.
        let flipped = Importance.compute(space: space, direction: .minimize, trials: trials().map { ($0.params, -$0.score) })
        XCTAssertEqual(flipped.map(\.name), result.map(\.name))
        XCTAssertEqual(flipped.first?.directionText(), "higher lr → better")
    }

    /// A sampler crowds its trials near the best (here 20 of 30 near x = 0.5, the rest anywhere in
    /// [-2, 2]), with a second parameter adding spread: "best near" is where the best trials are,
    /// not the vertex of a parabola the crowd pulls aside.
    func testBestNearIsWhereTheBestTrialsAreWhenASamplerCrowdsThem() throws {
        let space = SearchSpace([
            Parameter(name: "x", distribution: .float(low: -2, high: 2, log: false, step: nil)),
            Parameter(name: "z", distribution: .float(low: -1, high: 1, log: false, step: nil)),
        ])
        var g = SeededGenerator(seed: 3)
        let trials: [(params: Params, score: Double)] = (0..<30).map { i in
            let x = i < 20 ? 0.5 + 0.08 * (Double.random(in: 0...1, using: &g) - 0.5) : Double.random(in: -2...2, using: &g)
            let z = Double.random(in: -1...1, using: &g)
            return (["x": .float(x), "z": .float(z)], (x - 0.5) * (x - 0.5) + 0.5 * z * z)
        }
        let byName = Dictionary(uniqueKeysWithValues: Importance.compute(space: space, direction: .minimize, trials: trials).map { ($0.name, $0) })
        guard case .bestNear(let v)? = byName["x"]!.direction else { return XCTFail("x: \(String(describing: byName["x"]!.direction))") }
        XCTAssertEqual(try XCTUnwrap(v.number), 0.5, accuracy: 0.05)
    }

    func testTooFewTrialsGiveNoImportanceAndNoCrash() {
        XCTAssertTrue(Importance.compute(space: space, direction: .maximize, trials: []).allSatisfy { $0.share == 0 && $0.direction == nil })
        let one = Importance.compute(space: space, direction: .maximize, trials: Array(trials().prefix(1)))
        XCTAssertTrue(one.allSatisfy { $0.share == 0 })
        let nan = Importance.compute(space: space, direction: .maximize, trials: trials().map { ($0.params, Double.nan) })
        XCTAssertTrue(nan.allSatisfy { $0.share == 0 && $0.n == 0 }, "NaN scores are left out")
    }

    /// PED-ANOVA's numbers on every kind of parameter (log and linear floats, a stepped float,
    /// ints with and without log, a categorical), pinned to what they were before Importance took
    /// TPE's truncated normal and categorical kernel: sharing the pieces changes no number
    /// beyond rounding.
    func testTheNumbersStayWhatTheyWere() {
        let space = SearchSpace([
            Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1e-1, log: true, step: nil)),
            Parameter(name: "tau", distribution: .float(low: 0, high: 1, log: false, step: nil)),
            Parameter(name: "drop", distribution: .float(low: 0, high: 0.5, log: false, step: 0.05)),
            Parameter(name: "batch", distribution: .int(low: 16, high: 512, log: true, step: 1)),
            Parameter(name: "layers", distribution: .int(low: 1, high: 9, log: false, step: 2)),
            Parameter(name: "critic", distribution: .categorical(choices: [.string("min"), .string("max"), .string("mean")])),
        ])
        var g = SeededGenerator(seed: 11)
        let trials: [(params: Params, score: Double)] = (0..<120).map { _ in
            var p = Params()
            for q in space.parameters { p[q.name] = q.distribution.sampleUniform(using: &g) }
            let lr = log10(p["lr"]!.number!) + 3, tau = p["tau"]!.number! - 0.3, drop = p["drop"]!.number!
            let batch = log2(p["batch"]!.number!) - 6, layers = p["layers"]!.number! - 5
            let critic = p["critic"] == .string("mean") ? 0.0 : 0.4
            return (p, -(lr * lr + 2 * tau * tau + drop + 0.3 * batch * batch + 0.05 * layers * layers + critic) + 0.1 * g.unit())
        }
        let raw = Dictionary(uniqueKeysWithValues: Importance.compute(space: space, direction: .maximize, trials: trials).map { ($0.name, $0.raw) })
        let pinned = ["lr": 0.0082627194681315266, "tau": 0.0054667529207184868, "drop": 0.0027592146156238222,
                      "batch": 0.0028076150152407907, "layers": 0.0030436352452270312, "critic": 0.0012408801694445651]
        for (name, value) in pinned { XCTAssertEqual(raw[name] ?? .nan, value, accuracy: 1e-12 * value, name) }
    }

    func testSpearmanHandlesTiesAndConstants() {
        XCTAssertEqual(Importance.spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1, accuracy: 1e-12)
        XCTAssertEqual(Importance.spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1, accuracy: 1e-12)
        XCTAssertEqual(Importance.spearman([1, 1, 1], [1, 2, 3]), 0)
        XCTAssertEqual(Importance.spearman([1, 2, 2, 3], [1, 2, 2, 3]), 1, accuracy: 1e-12)
    }
}

/// The study's history: best-so-far of the best set's mean in the order trials ended.
final class StudyHistoryTests: XCTestCase {
    func study(_ ends: [(set: Int, state: TrialState, score: Double?, at: Double)]) -> Study {
        let space = SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 10, log: false, step: nil))])
        let spec = StudySpec(studyName: "h", maxTrials: 20, nJobs: 2, direction: .maximize, space: space)
        var s = Study()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        s.apply(.started(StudyInfo(spec: spec, sweepDir: "/tmp", stopFile: "", pauseFile: "", startedAt: t0)))
        for (n, e) in ends.enumerated() {
            s.apply(.launched(TrialLaunch(number: n, paramSet: e.set, repeatIndex: 0, params: ["x": .float(Double(e.set))],
                                          runDir: "", command: [], startedAt: t0)))
        }
        // Ended in time order, not number order.
        for (n, e) in ends.enumerated().sorted(by: { $0.element.at < $1.element.at }) {
            s.apply(.finished(TrialOutcome(number: n, state: e.state, score: e.score, reason: nil, exitStatus: 0, signal: nil,
                                           endedAt: t0.addingTimeInterval(e.at))))
        }
        return s
    }

    func testBestSoFarFollowsTheBestSetsMeanAndCountsTrialsSinceTheRecord() throws {
        let s = study([(0, .complete, 0.5, 10), (1, .complete, 0.7, 30), (2, .failed, nil, 20), (1, .complete, 0.3, 40),
                       (3, .pruned, nil, 50), (4, .complete, 0.6, 60)])
        let h = StudyHistory(s)
        XCTAssertEqual(h.points.map(\.trial), [0, 2, 1, 3, 4, 5], "in the order trials ended")
        XCTAssertEqual(h.points.map(\.best), [0.5, 0.5, 0.7, 0.5, 0.5, 0.6],
                       "set 1's second run (0.3) brings its mean to 0.5, and set 0 (0.5, older) leads again")
        XCTAssertEqual(h.points.map(\.improved), [true, false, true, false, false, false])
        XCTAssertEqual(h.points.map(\.record), [0.5, 0.5, 0.7, 0.7, 0.7, 0.7], "the record never goes back, though the best mean did")
        XCTAssertEqual(h.record, 0.7)
        XCTAssertEqual(h.recordTrial, 1)
        XCTAssertEqual(h.trialsSinceRecord, 3)
        XCTAssertEqual(try XCTUnwrap(h.timeSinceRecord(now: Date(timeIntervalSince1970: 1_000_100))), 70, accuracy: 1e-9)
        XCTAssertEqual(h.points.map(\.state), [.complete, .failed, .complete, .complete, .pruned, .complete])
        XCTAssertNil(StudyHistory(study([])).record)
    }
}
