import XCTest
@testable import HyperOpt

/// W&B's hyperband stopping, on the cases of wandb/sweeps' own tests
/// (`tests/test_hyperband_stopping.py`) and its README: the same runs are stopped.
final class WandbHyperbandPrunerTests: XCTestCase {
    /// The runs W&B would stop: the finished ones are COMPLETE trials, the others are judged
    /// after every run's curve is known (W&B judges them all at once).
    func stopped(_ options: WandbHyperbandOptions, direction: Direction = .minimize, finished: [[Double]], running: [[Double]]) -> [Int] {
        var pruner = WandbHyperbandPruner(options: options)
        let done = finished.enumerated().map { (number: $0.offset, values: $0.element) }
        let live = running.enumerated().map { (number: finished.count + $0.offset, values: $0.element) }
        let context = PruneContext(completed: done, direction: direction, studyName: "s", criterion: "loss")
        pruner.restore(done + live, context)
        return live.filter { pruner.prune(PruneSubject(number: $0.number, values: $0.values), context).reason != nil }.map(\.number)
    }

    /// README and test_5runs_band1_stop_2: max_iter 5, eta 2, s 2 gives bands 1 and 2; run b
    /// (10, 10) is stopped, c (10, 8, 8) and d (10, 7, 7) go on.
    func testTheREADMEsRuns() {
        let options = WandbHyperbandOptions(bands: [1, 2], eta: 2, strict: true)
        XCTAssertEqual(stopped(options, finished: [[10, 9], [10, 6, 6]], running: [[10, 10], [10, 8, 8], [10, 7, 7]]), [2])
    }

    /// test_2runs_band1_pass: with strict false a run is held by its best so far (6 passes the
    /// cut of 9); strict, by its value at the band (10 does not).
    func testStrictJudgesTheValueAtTheBand() {
        let runs: [[Double]] = [[10, 10, 6], (0..<10).map { 10 - Double($0) }]
        XCTAssertEqual(stopped(WandbHyperbandOptions(bands: [2, 6], eta: 3, strict: false), finished: [], running: runs), [])
        XCTAssertEqual(stopped(WandbHyperbandOptions(bands: [2, 6], eta: 3, strict: true), finished: [], running: runs), [0])
    }

    /// test_hyperband_min_iter_bands and its maximize twin: a flat run is stopped at band 3.
    func testDirections() {
        let bands = WandbHyperbandOptions(bands: [3, 9, 27], eta: 3)
        XCTAssertEqual(stopped(bands, finished: [], running: [[10, 10, 10, 10], (0..<10).map { 10 - Double($0) }]), [0])
        XCTAssertEqual(stopped(bands, direction: .maximize, finished: [], running: [[10, 10, 10, 10], (0..<10).map { 10 + Double($0) }]), [0])
        // A single run is never below its own cut.
        XCTAssertEqual(stopped(bands, finished: [], running: [(0..<10).map { 10 - Double($0) }]), [])
    }

    func testTheReasonNamesTheBandAndTheCut() {
        var pruner = WandbHyperbandPruner(options: WandbHyperbandOptions(bands: [2], eta: 2))
        let context = PruneContext(completed: [(0, [5, 1]), (1, [5, 2])], direction: .minimize, studyName: "s", criterion: "loss")
        let verdict = pruner.prune(PruneSubject(number: 2, values: [5, 3]), context)
        XCTAssertEqual(verdict.bar, 2, "sorted [1, 2, 3], index int(3 / 2) = 1")
        XCTAssertEqual(verdict.reason, "pruned by W&B's hyperband at band 2 (evaluation 2): loss 3 (its value there) is above 2, the cut for the best 1/2 of the 3 runs that reached it")
        XCTAssertNil(pruner.prune(PruneSubject(number: 3, values: [5]), context).reason, "before the first band")
    }
}
