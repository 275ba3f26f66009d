import Foundation
import XCTest
@testable import HyperOpt

/// Each pruner against rungs and thresholds worked out by hand (PrunerParityTests holds them to
/// Optuna's own on random curves).
final class PrunerTests: XCTestCase {
    private func context(_ completed: [[Double]], _ direction: Direction = .maximize, study: String = "s") -> PruneContext {
        PruneContext(completed: completed.enumerated().map { ($0.offset + 100, $0.element) }, direction: direction, studyName: study, criterion: "c")
    }

    /// The decision after each evaluation of `values`, as the scheduler asks: one call per evaluation.
    private func decisions(_ spec: PrunerSpec, _ values: [Double], _ c: PruneContext, number: Int = 0) -> [String?] {
        var p = PrunerFactory.make(spec)!
        return (1...values.count).map { p.prune(PruneSubject(number: number, values: Array(values[..<$0])), c).reason }
    }

    func testMedianPrunesBelowTheMedianAfterStartupAndWarmup() {
        let done = context([[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.6, 0.7, 0.8]])
        let spec = PrunerSpec.median(MedianPrunerOptions(nStartupTrials: 3, nWarmupSteps: 1))
        let d = decisions(spec, [0.1, 0.2, 0.9], done)
        XCTAssertNil(d[0], "evaluation 1 is warm-up")
        // Evaluation 2: best 0.2 against the median of 0.6, 0.5, 0.7 = 0.6.
        XCTAssertEqual(d[1], "pruned by median at evaluation 2: best c 0.2 so far is below 0.6, the median of 3 completed trials there")
        XCTAssertNil(decisions(spec, [0.1, 0.6], done)[1], "at the median is not worse (strict, as Optuna)")
        XCTAssertNil(decisions(spec, [0.1, 0.2], context([[0.5, 0.6], [0.4, 0.5]]))[1], "fewer completed trials than n_startup_trials")
        XCTAssertNotNil(decisions(.median(MedianPrunerOptions(nStartupTrials: 3)), [5.0], context([[1.0], [2.0], [3.0]], .minimize))[0])
        XCTAssertNil(decisions(.median(MedianPrunerOptions(nStartupTrials: 3)), [0.5], context([[1.0], [2.0], [3.0]], .minimize))[0])
    }

    func testPercentileInterpolatesAsNumpy() {
        // maximize, percentile 25: numpy's 75th percentile of [1, 2, 3, 4] = 3.25.
        let c = context([[1], [2], [3], [4]])
        let spec = PrunerSpec.percentile(25, MedianPrunerOptions(nStartupTrials: 1))
        XCTAssertEqual(decisions(spec, [3.2], c)[0], "pruned by percentile 25 at evaluation 1: best c 3.2 so far is below 3.25, the percentile 25 of 4 completed trials there")
        XCTAssertNil(decisions(spec, [3.25], c)[0])
        XCTAssertEqual(nanPercentile([1, 2, 3, 4], 25), 1.75)
        XCTAssertEqual(nanPercentile([1, .nan, 3], 50), 2)
        XCTAssertTrue(nanPercentile([1, .infinity], 100).isNaN, "numpy: inf - inf in its lerp")
        XCTAssertEqual(nanPercentile([-.infinity, 1], 50), -.infinity)
    }

    func testIntervalStepsCheckOnlyAtWarmupPlusMultiples() {
        XCTAssertEqual((0..<12).filter { isPruningStep($0, warmup: 2, interval: 3) && $0 >= 2 }, [2, 5, 8, 11])
    }

    /// rf 2, first rung at evaluation 2 (step 1): the best half of those that reached it go on.
    func testSuccessiveHalvingPromotesTheBestFractionAtEachRung() {
        var p = PrunerFactory.make(.successiveHalving(SuccessiveHalvingOptions(minResource: 1, reductionFactor: 2)))!
        let c = context([], .minimize)
        func report(_ n: Int, _ values: [Double]) -> String? { p.prune(PruneSubject(number: n, values: values), c).reason }
        XCTAssertNil(report(0, [1.0]), "step 0 is before the first rung")
        XCTAssertNil(report(0, [1.0, 0.9]), "alone at rung 0: it is the best")
        // Trial 1 reaches rung 0 with 1.0; competitors [0.9, 1.0]: 2 // 2 - 1 = 0, it must be the best.
        XCTAssertEqual(report(1, [1.2, 1.0]), "pruned by successive halving at evaluation 2 (rung 0): c 1 is not among the best 1/2 of the 2 trials there (needs ≤ 0.9)")
        XCTAssertNil(report(2, [0.9, 0.8]), "0.8 is the best of three")
        // Four at rung 0 now [0.9, 1.0, 0.8, 0.85]: index 4 // 2 - 1 = 1, sorted 0.8, 0.85, ...: 0.85 promotes.
        XCTAssertNil(report(3, [1.0, 0.85]))
        XCTAssertNil(report(0, [1.0, 0.9, 0.7, 0.6]), "rung 1 at step 3")
        XCTAssertEqual(report(3, [1.0, 0.85, 0.8, 0.7]), "pruned by successive halving at evaluation 4 (rung 1): c 0.7 is not among the best 1/2 of the 2 trials there (needs ≤ 0.6)")
    }

    func testHyperbandDrawsBracketsAsOptuna() {
        // R 27, r 1, η 3: 4 brackets, budgets 27, 12, 6, 4 (Optuna's, checked for study "ref").
        var h = HyperbandPruner(HyperbandOptions(minResource: 1, maxResource: 27, reductionFactor: 3))
        XCTAssertTrue(h.initialize(context([])))
        XCTAssertEqual(h.budgets, [27, 12, 6, 4])
        XCTAssertEqual((0..<12).map { h.bracket($0, "ref") }, [0, 0, 0, 0, 0, 1, 0, 2, 3, 1, 0, 1])
        XCTAssertEqual(h.brackets.map(\.options.minEarlyStoppingRate), [0, 1, 2, 3])
        var five = HyperbandPruner(HyperbandOptions(minResource: 1, maxResource: 243, reductionFactor: 3))
        XCTAssertTrue(five.initialize(context([])))
        XCTAssertEqual(five.budgets, [81, 34, 15, 8, 5], "log(243, 3) is 4.999... in doubles, as in Python: 5 brackets")
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testThresholdPrunesOutsideItsBounds() {
        let d = decisions(.threshold(ThresholdOptions(upper: 1)), [0.5, 1.0, 1.01, .nan], context([]))
        XCTAssertEqual(d.map { $0 != nil }, [false, false, true, true])
        XCTAssertEqual(d[2], "pruned by threshold at evaluation 3: c 1.01 is above the upper bound 1")
        let success = decisions(.threshold(ThresholdOptions(lower: 0.05, nWarmupSteps: 3)), [0, 0, 0, 0], context([]))
        XCTAssertEqual(success[3], "pruned by threshold at evaluation 4: c 0 is below the lower bound 0.05", "a success rate still 0 after 4 evaluations")
        XCTAssertNil(success[2], "not during the warm-up")
    }

    func testPatientWaitsForTheCurveToStall() {
        // minimize, patience 1: at step 3 the best before the window (1) beats the window's (2).
        let d = decisions(.patient(PatientOptions(patience: 1), wrapped: nil), [.nan, 1, 2, 3], context([], .minimize))
        XCTAssertEqual(d.map { $0 != nil }, [false, false, false, true])
        XCTAssertEqual(d[3], "pruned by patient at evaluation 4: c no better than 1 in the last 2 evaluations")
        // A dip within the patience is forgiven; the wrapped median is asked only once it lasts.
        let dip = decisions(.patient(PatientOptions(patience: 2), wrapped: .median(MedianPrunerOptions(nStartupTrials: 1))),
                            [0.2, 0.5, 0.4, 0.45, 0.3, 0.2], context([[0.2, 0.5, 0.6, 0.7, 0.8, 0.9]]))
        let alone = decisions(.median(MedianPrunerOptions(nStartupTrials: 1)), [0.2, 0.5, 0.4, 0.45, 0.3, 0.2], context([[0.2, 0.5, 0.6, 0.7, 0.8, 0.9]]))
        XCTAssertEqual(alone.map { $0 != nil }, [false, false, true, true, true, true], "the median alone stops it at the dip")
        XCTAssertEqual(dip.map { $0 != nil }, [false, false, false, false, true, true], "patience 2 waits until the dip lasts 3 evaluations")
        XCTAssertTrue(dip[4]?.hasPrefix("pruned by median at evaluation 5: best c 0.5 so far is below 0.8") ?? false, dip[4] ?? "")
        XCTAssertTrue(dip[4]?.hasSuffix("; patient: no better than 0.5 in the last 3 evaluations") ?? false, dip[4] ?? "")
    }

    func testRestoredRungsCompeteAfterAResume() {
        var p = PrunerFactory.make(.successiveHalving(SuccessiveHalvingOptions(minResource: 1, reductionFactor: 2)))!
        let c = context([])
        p.restore([(0, [0.1, 0.9, 0.9, 0.9]), (1, [0.1, 0.8])], c)
        XCTAssertNotNil(p.prune(PruneSubject(number: 2, values: [0.1, 0.5]), c).reason, "0.5 is not in the best half of 0.9, 0.8, 0.5")
    }

    func testPrunerConfig() throws {
        func spec(_ pruner: String) throws -> PrunerSpec {
            let yaml = "hydra:\n  sweeper:\n    study_name: s\n    max_trials: 3\n    pruner: \(pruner)\n    search_space:\n      x: {type: float, low: 0, high: 1}\n"
            return try ConfigLoader.parse(yaml, path: "p.yaml").pruner
        }
        XCTAssertEqual(try spec("{type: median, n_startup_trials: 2, n_warmup_steps: 1}"), .median(MedianPrunerOptions(nStartupTrials: 2, nWarmupSteps: 1)))
        XCTAssertEqual(try spec("asha"), .successiveHalving(SuccessiveHalvingOptions()))
        XCTAssertEqual(try spec("{type: successive_halving, min_resource: 2, reduction_factor: 3, min_early_stopping_rate: 1}"),
                       .successiveHalving(SuccessiveHalvingOptions(minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1)))
        XCTAssertEqual(try spec("{_target_: optuna.pruners.HyperbandPruner, min_resource: 1, max_resource: auto, reduction_factor: 3}"),
                       .hyperband(HyperbandOptions(minResource: 1, maxResource: nil, reductionFactor: 3)))
        XCTAssertEqual(try spec("{type: percentile, percentile: 25, interval_steps: 2}"), .percentile(25, MedianPrunerOptions(intervalSteps: 2)))
        XCTAssertEqual(try spec("{type: threshold, lower: 0.05, n_warmup_steps: 4}"), .threshold(ThresholdOptions(lower: 0.05, nWarmupSteps: 4)))
        XCTAssertEqual(try spec("{type: patient, patience: 3, min_delta: 0.01, wrapped_pruner: {type: median}}"),
                       .patient(PatientOptions(patience: 3, minDelta: 0.01), wrapped: .median(MedianPrunerOptions())))
        for (bad, message) in [("{type: asha, reduction_factor: 1}", "`reduction_factor` must be at least 2"),
                               ("{type: median, n_startup: 2}", "unknown key `n_startup` for the median pruner"),
                               ("{type: percentile}", "needs `percentile`"),
                               ("{type: threshold, lower: 2, upper: 1}", "`lower` (2.0) is greater than `upper` (1.0)"),
                               ("{type: hyperband, min_resource: 9, max_resource: 3}", "must be at least `min_resource`"),
                               ("patient", "needs `patience`"),
                               ("{type: asha, bootstrap_count: 2}", "needs a number for `min_resource`"),
                               ("{type: wrong}", "pruner `wrong` is not one of")] {
            XCTAssertThrowsError(try spec(bad), bad) { e in
                XCTAssertTrue("\(e)".contains(message), "\(bad): \(e)")
                XCTAssertTrue("\(e)".hasPrefix("p.yaml:5: "), "\(bad): \(e)")
            }
        }
    }

    func testOldStoresReadTheirMedianOptions() throws {
        let old = #"{"median":{"_0":{"nStartupTrials":3,"nWarmupSteps":1}}}"#
        XCTAssertEqual(try JSONDecoder().decode(PrunerSpec.self, from: Data(old.utf8)), .median(MedianPrunerOptions(nStartupTrials: 3, nWarmupSteps: 1)))
    }
}

/// The verdict carries the value the evaluation was held against, with the decision (no side channel).
final class PruneVerdictTests: XCTestCase {
    func testTheVerdictCarriesTheBarItWasHeldAgainst() {
        let c = PruneContext(completed: [(100, [0.5, 0.6]), (101, [0.4, 0.5]), (102, [0.6, 0.7])], direction: .maximize, studyName: "s", criterion: "c")
        var median = PrunerFactory.make(.median(MedianPrunerOptions(nStartupTrials: 3, nWarmupSteps: 1)))!
        XCTAssertEqual(median.prune(PruneSubject(number: 0, values: [0.9]), c), PruneVerdict(reason: nil, bar: nil), "warm-up: nothing judged")
        let judged = median.prune(PruneSubject(number: 0, values: [0.9, 0.9]), c)
        XCTAssertNil(judged.reason)
        XCTAssertEqual(judged.bar, 0.6, "the median of 0.6, 0.5, 0.7 at evaluation 2, though the trial goes on")

        var threshold = PrunerFactory.make(.threshold(ThresholdOptions(lower: 0.3)))!
        let below = threshold.prune(PruneSubject(number: 0, values: [0.1]), c)
        XCTAssertNotNil(below.reason)
        XCTAssertEqual(below.bar, 0.3)
    }
}
