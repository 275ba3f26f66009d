@testable import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// Studies of several objectives, built from engine events: cost (minimized) against accuracy
/// (maximized) with one constraint, and a third objective, latency (minimized), without one.
enum ParetoFixture {
    /// Each set's first run: (cost, accuracy, mem_over_gb), made with a few lines of Python: cost
    /// 1 + 9t and accuracy 0.55 + 0.4(1 - e^(-2.5t)) less a gap of 0.03 + 0.04 frac(0.371 i) for
    /// sets not divisible by 3, t = frac(0.618034 i), rounded; set 5 (far better than all) and
    /// set 13 break the constraint (mem_over_gb > 0).
    static let runs: [(cost: Double, accuracy: Double, memOver: Double)] = [
        (1.0, 0.55, -2.0), (6.562, 0.8198, -1.9), (3.125, 0.6686, -1.8), (8.687, 0.9027, -1.7), (5.249, 0.7778, -1.6),
        (1.5, 0.97, 0.5), (7.374, 0.8819, -1.4), (3.936, 0.7192, -1.3), (9.498, 0.8435, -1.2), (6.061, 0.8519, -1.1),
        (2.623, 0.6368, -1.0), (8.185, 0.8624, -0.9), (4.748, 0.8088, -0.8), (1.31, 0.5201, 0.8), (6.872, 0.834, -0.6),
        (3.435, 0.7466, -0.5), (8.997, 0.8392, -0.4), (5.559, 0.795, -0.3),
    ]
    /// Second runs of sets 3 (worse) and 6 (better): trials 18 and 19.
    static let repeats: [(set: Int, cost: Double, accuracy: Double)] = [(3, 9.087, 0.8827), (6, 7.174, 0.8919)]
    /// Three objectives: (cost, accuracy, latency_ms) of sets 0 to 9 (latency 50 + 100 frac(0.4142 i)).
    static let three: [(Double, Double, Double)] = [
        (1.0, 0.55, 50.0), (6.562, 0.8198, 91.4), (3.125, 0.6686, 132.8), (8.687, 0.9027, 74.3), (5.249, 0.7778, 115.7),
        (1.812, 0.5665, 57.1), (7.374, 0.8819, 98.5), (3.936, 0.7192, 139.9), (9.498, 0.8435, 81.4), (6.061, 0.8519, 122.8),
    ]

    static func spec(objectives: Int) -> StudySpec {
        var spec = StudySpec(studyName: objectives == 2 ? "reach-cost" : "reach-three", maxTrials: 30, nJobs: 3, direction: .minimize,
                             maxDurationMinutes: 30, maxTrialsPerParam: 2, space: Fixture.space, criterion: Fixture.criterion,
                             nEpochs: 10, evalAfterNSteps: 2000)
        spec.directions = Array([Direction.minimize, .maximize, .minimize].prefix(objectives))
        spec.criteria = Array(["cost", "accuracy", "latency_ms"].prefix(objectives))
        if objectives == 2 { spec.constraints = ["mem_over_gb"] }
        return spec
    }

    static func launch(_ n: Int, set: Int, repeatIndex: Int = 0) -> TrialLaunch {
        TrialLaunch(number: n, paramSet: set, repeatIndex: repeatIndex, params: Fixture.params(set), runDir: "data/reach/\(n)",
                    command: ["reach-trainer"], startedAt: Fixture.t0.addingTimeInterval(Double(n) * 20))
    }

    static func outcome(_ n: Int, _ values: [Double], constraints: [Double]? = nil) -> TrialOutcome {
        var o = TrialOutcome(number: n, state: .complete, score: values[0], reason: nil, exitStatus: 0, signal: nil,
                             endedAt: Fixture.t0.addingTimeInterval(Double(n) * 20 + 95))
        o.values = values
        o.constraints = constraints
        return o
    }

    /// Two objectives: trials 0-17 one per set (4 failed, 9 pruned), 18 and 19 repeat sets 3 and
    /// 6, 20 and 21 still run.
    static func twoObjectives() -> [EngineEvent] {
        var out: [EngineEvent] = [.started(StudyInfo(spec: spec(objectives: 2), sweepDir: "data/reach", stopFile: "delete_me_to_stop_hyperopt",
                                                     pauseFile: "pause_hyperopt", startedAt: Fixture.t0))]
        for (n, r) in runs.enumerated() {
            out.append(.launched(launch(n, set: n)))
            out.append(Fixture.metrics(n, epochs: n == 4 || n == 9 ? 4 : 10))
            let end = Fixture.t0.addingTimeInterval(Double(n) * 20 + 95)
            if n == 4 {
                out.append(.finished(TrialOutcome(number: n, state: .failed, score: nil, reason: "exit status 1", exitStatus: 1, signal: nil, endedAt: end)))
            } else if n == 9 {
                out.append(.finished(TrialOutcome(number: n, state: .pruned, score: nil, reason: "pruned by median at evaluation 4",
                                                  exitStatus: 0, signal: nil, endedAt: end)))
            } else {
                out.append(.finished(outcome(n, [r.cost, r.accuracy], constraints: [r.memOver])))
            }
        }
        for (k, r) in repeats.enumerated() {
            let n = runs.count + k
            out.append(.launched(launch(n, set: r.set, repeatIndex: 1)))
            out.append(Fixture.metrics(n, epochs: 10))
            out.append(.finished(outcome(n, [r.cost, r.accuracy], constraints: [runs[r.set].memOver])))
        }
        for n in 20..<22 {
            out.append(.launched(launch(n, set: n - 2)))
            out.append(Fixture.metrics(n, epochs: 3))
        }
        return out
    }

    static func threeObjectives() -> [EngineEvent] {
        var out: [EngineEvent] = [.started(StudyInfo(spec: spec(objectives: 3), sweepDir: "data/reach", stopFile: "delete_me_to_stop_hyperopt",
                                                     pauseFile: "pause_hyperopt", startedAt: Fixture.t0))]
        for (n, v) in three.enumerated() {
            out.append(.launched(launch(n, set: n)))
            out.append(Fixture.metrics(n, epochs: 10))
            out.append(.finished(outcome(n, [v.0, v.1, v.2])))
        }
        out.append(.phase(.done, reason: "max_trials reached"))
        return out
    }

    static func state(objectives: Int = 2, size: Size = Size(width: 120, height: 40), glyphs: Glyphs = .unicode) -> DashboardState {
        var s = DashboardState(mode: .watch, glyphs: glyphs, now: Fixture.t0, size: size)
        _ = update(&s, .events(objectives == 2 ? twoObjectives() : threeObjectives()))
        _ = update(&s, .tick(Fixture.t0.addingTimeInterval(540)))
        return s
    }
}

/// The dashboard for studies of several objectives: the Pareto view (P), the hypervolume in the
/// history and the header, one table column per objective, importance per objective; goldens
/// at 80x24 and 120x40, and in ASCII.
final class ParetoScreenTests: XCTestCase {
    static let small = Size(width: 80, height: 24), large = Size(width: 120, height: 40)

    func screen(_ keys: [Key], objectives: Int = 2, size: Size, glyphs: Glyphs = .unicode) -> (DashboardState, Buffer) {
        var s = ParetoFixture.state(objectives: objectives, size: size, glyphs: glyphs)
        for key in keys { _ = update(&s, .key(key)) }
        return (s, render(s, size: size))
    }

    func text(_ buf: Buffer) -> String { buf.plainText().joined(separator: "\n") }

    // MARK: Goldens

    func testParetoViewAtBothSizesAndInASCII() {
        for size in [Self.small, Self.large] {
            let (_, buf) = screen([.char("P")], size: size)
            assertGolden(buf, "mo-pareto-\(size.width)x\(size.height)")
        }
        let (_, ascii) = screen([.char("P")], size: Self.small, glyphs: .ascii)
        assertGolden(ascii, "mo-pareto-ascii-80x24")
        XCTAssertTrue(ascii.cells.allSatisfy { $0.char.isASCII }, "ASCII mode drew a non-ASCII glyph:\n\(text(ascii))")
        XCTAssertTrue(text(ascii).contains("cost (min)"), text(ascii))
        XCTAssertTrue(text(ascii).contains("accuracy (max)"), text(ascii))
    }

    func testThreeObjectivesSecondPair() {
        let (s, buf) = screen([.char("P"), .tab], objectives: 3, size: Self.large)
        XCTAssertTrue(s.paretoAxes! == (x: 0, y: 2))
        assertGolden(buf, "mo3-pareto-120x40")
        XCTAssertTrue(text(buf).contains("latency_ms ↓"), text(buf))
        XCTAssertTrue(text(buf).contains("pair 2 of 3 (Tab)"), text(buf))
    }

    func testTrialTableHistoryImportanceAndHelp() {
        for size in [Self.small, Self.large] {
            assertGolden(screen([], size: size).1, "mo-main-\(size.width)x\(size.height)")
            assertGolden(screen([.char("H")], size: size).1, "mo-history-\(size.width)x\(size.height)")
        }
        assertGolden(screen([.char("H")], size: Self.small, glyphs: .ascii).1, "mo-history-ascii-80x24")
        assertGolden(screen([.char("i"), .tab], size: Self.small).1, "mo-importance-80x24")
        assertGolden(screen([.char("?")], size: Self.small).1, "mo-help-80x24")
    }

    // MARK: The Pareto view's model

    /// The feasible sets no other feasible set beats in both (checked pairwise in Python over the
    /// means of `runs` and `repeats`, 4 failed and 9 pruned left out), by cost.
    static let front = [0, 10, 2, 15, 12, 1, 14, 6, 3]

    func testFrontHighlightsTheNonDominatedFeasibleSetsOnly() {
        let s = ParetoFixture.state()
        let plot = ParetoPlot(s, axes: (x: 0, y: 1))
        XCTAssertEqual(Set(plot.dots.filter(\.onFront).map(\.paramSet)), Set(Self.front))
        XCTAssertEqual(Set(s.front.map(\.paramSet)), Set(Self.front))
        // Set 5 beats every set in both objectives but breaks its constraint: drawn apart, off the front.
        let five = plot.dots.first { $0.paramSet == 5 }
        XCTAssertEqual(five?.feasible, false)
        XCTAssertEqual(five?.onFront, false)
        XCTAssertEqual(plot.dots.filter { !$0.feasible }.map(\.paramSet).sorted(), [5, 13])
        // Failed (4) and pruned (9) sets have no means; the running sets 18 and 19 none yet.
        XCTAssertEqual(Set(plot.dots.map(\.paramSet)), Set(0..<18).subtracting([4, 9]))
        // Set 3's mean is of its two runs.
        let three = plot.dots.first { $0.paramSet == 3 }
        XCTAssertEqual(three?.x ?? 0, (8.687 + 9.087) / 2, accuracy: 1e-12)
        XCTAssertEqual(three?.y ?? 0, (0.9027 + 0.8827) / 2, accuracy: 1e-12)
    }

    /// Cost made small on x, accuracy made large on y: the staircase runs from the cheapest set
    /// up and right, each corner at the next set's cost and the last set's accuracy; its first
    /// end runs down (worse accuracy), its last to the right (worse cost).
    func testTheStaircaseGoesThroughTheFrontInTheRightOrientation() {
        let s = ParetoFixture.state()
        let plot = ParetoPlot(s, axes: (x: 0, y: 1))
        XCTAssertEqual(plot.stairSets, Self.front)
        XCTAssertEqual(plot.staircase.count, 2 * Self.front.count - 1)
        XCTAssertEqual(plot.staircase[0].x, 1.0)
        XCTAssertEqual(plot.staircase[0].y, 0.55)
        XCTAssertEqual(plot.staircase[1].x, 2.623, "corner: the next set's cost")
        XCTAssertEqual(plot.staircase[1].y, 0.55, "at the last set's accuracy")
        XCTAssertEqual(plot.staircase[2].x, 2.623)
        XCTAssertEqual(plot.staircase[2].y, 0.6368)
        XCTAssertTrue(plot.worseXIsHigh, "cost is minimized: its worse end is the high one")
        XCTAssertFalse(plot.worseYIsHigh, "accuracy is maximized: its worse end is the low one")
        for k in 1..<plot.staircase.count {
            XCTAssertGreaterThanOrEqual(plot.staircase[k].x, plot.staircase[k - 1].x)
            XCTAssertGreaterThanOrEqual(plot.staircase[k].y, plot.staircase[k - 1].y)
        }
    }

    /// Three objectives: every set on the front of all three is highlighted, the staircase of a
    /// pair goes only through those no other front set beats in that pair (pairwise in Python).
    func testWithThreeObjectivesTheStaircaseIsThePairsOwnFront() {
        let s = ParetoFixture.state(objectives: 3)
        XCTAssertEqual(s.front.map(\.paramSet), [0, 1, 2, 3, 4, 5, 6, 7, 9])
        XCTAssertEqual(ParetoPlot(s, axes: (x: 0, y: 1)).stairSets, [0, 5, 2, 7, 4, 9, 6, 3])
        XCTAssertEqual(ParetoPlot(s, axes: (x: 0, y: 2)).stairSets, [0])
        let pair12 = ParetoPlot(s, axes: (x: 1, y: 2))
        XCTAssertEqual(pair12.stairSets, [3, 5, 0])
        XCTAssertFalse(pair12.worseXIsHigh)
        XCTAssertTrue(pair12.worseYIsHigh)
    }

    func testTabCyclesThePairsWithThreeObjectivesOnly() {
        var s = ParetoFixture.state(objectives: 3)
        _ = update(&s, .key(.char("P")))
        var seen: [String] = []
        for _ in 0..<4 {
            seen.append(s.paretoAxes.map { "\($0.x)-\($0.y)" } ?? "none")
            _ = update(&s, .key(.tab))
        }
        XCTAssertEqual(seen, ["0-1", "0-2", "1-2", "0-1"])
        XCTAssertEqual(s.screen, .view(.pareto), "Tab stays in the view")

        var two = ParetoFixture.state()
        _ = update(&two, .key(.char("P")))
        _ = update(&two, .key(.tab))
        XCTAssertTrue(two.paretoAxes! == (x: 0, y: 1), "one pair: Tab does nothing")
        XCTAssertFalse(DashboardState.keyMap.hints(two).contains { $0.key == "Tab" })
    }

    /// j/k walk the front best first in the x objective (cost: cheapest first); the panel shows
    /// the selected set's values with their 95% intervals, runs, constraint and parameters.
    func testTheSelectionWalksTheFrontAndThePanelShowsTheSet() {
        var s = ParetoFixture.state()
        _ = update(&s, .key(.char("P")))
        XCTAssertEqual(s.paretoOrder.map(\.paramSet), Self.front)
        XCTAssertEqual(s.paretoSelected?.paramSet, 0)
        _ = update(&s, .key(.char("k")))
        XCTAssertEqual(s.paretoSelected?.paramSet, 0, "stops at the first")
        _ = update(&s, .key(.char("j")))
        _ = update(&s, .key(.down))
        XCTAssertEqual(s.paretoSelected?.paramSet, 2)
        _ = update(&s, .key(.end))
        XCTAssertEqual(s.paretoSelected?.paramSet, 3)
        XCTAssertEqual(s.screen, .view(.pareto))
        let screen = text(render(s, size: Self.large))
        // Set 3 ran twice: mean ± t(0.975, 1) · s / √2 = 12.706 · 0.2828 / 1.414 = 2.541 for cost.
        XCTAssertTrue(screen.contains("set 3 (first trial #3)"), screen)
        XCTAssertTrue(screen.contains("8.887±2.541"), screen)
        XCTAssertTrue(screen.contains("2 runs (± 95%): #3 #18"), screen)
        XCTAssertTrue(screen.contains("mem_over_gb"), screen)
        XCTAssertTrue(screen.contains("-1.7 ok"), screen)
    }

    // MARK: Hypervolume

    /// The reference is, per objective, the worst feasible set mean plus 10% of the range:
    /// cost 9.498 + 0.1 · (9.498 - 1.0) = 10.3478, accuracy 0.55 - 0.1 · (0.8927 - 0.55) = 0.51573;
    /// the front's hypervolume against it is 2.37013, each trial's by the same sweep (in Python,
    /// sorted by cost, each point adding its strip up to the reference).
    func testTheHypervolumeReferenceIsFixedAndSaid() {
        var s = ParetoFixture.state()
        let h = s.frontHistory
        XCTAssertEqual(h.reference?[0] ?? 0, 10.3478, accuracy: 1e-9)
        XCTAssertEqual(h.reference?[1] ?? 0, 0.51573, accuracy: 1e-9)
        XCTAssertEqual(h.hypervolume, 2.370129566, accuracy: 1e-8)
        XCTAssertEqual(h.points.count, 20)
        XCTAssertEqual(h.points[0].hypervolume, 0.320349106, accuracy: 1e-8)
        XCTAssertEqual(h.points[18].hypervolume, 2.357274566, accuracy: 1e-8, "set 3's worse repeat shrinks the front")
        XCTAssertEqual(h.lastGain?.trial, 19)
        XCTAssertEqual(h.lastGain?.gain ?? 0, 0.012855, accuracy: 1e-9)
        _ = update(&s, .key(.char("H")))
        let screen = text(render(s, size: Self.large))
        XCTAssertTrue(screen.contains("reference (cost 10.35, accuracy 0.5157) = worst feasible mean + 10% of range"), screen)

        // A set inside the range: the reference stays, the curve so far is kept as it was.
        let before = s.frontHistory.points.map(\.hypervolume)
        _ = update(&s, .events([.launched(ParetoFixture.launch(22, set: 20)),
                                .finished(ParetoFixture.outcome(22, [5.0, 0.7], constraints: [-1]))]))
        XCTAssertEqual(s.frontHistory.reference ?? [], h.reference ?? [])
        XCTAssertEqual(Array(s.frontHistory.points.map(\.hypervolume).prefix(before.count)), before)
        XCTAssertEqual(s.frontHistory.points.count, 21)

        // A set beyond the worst cost: the reference moves, and the whole curve is measured from it.
        _ = update(&s, .events([.launched(ParetoFixture.launch(23, set: 21)),
                                .finished(ParetoFixture.outcome(23, [12.0, 0.95], constraints: [-1]))]))
        let moved = s.frontHistory
        XCTAssertEqual(moved.reference?[0] ?? 0, 12.0 + 0.1 * (12.0 - 1.0), accuracy: 1e-9)
        XCTAssertEqual(moved.points.map(\.hypervolume), FrontHistory(s.study).points.map(\.hypervolume))
        XCTAssertGreaterThan(moved.points[0].hypervolume, before[0], "the first point measured from the new reference")
    }

    /// Extending the cached curve gives what making it anew gives, trial by trial.
    func testTheCachedCurveEqualsOneMadeAnew() {
        var s = DashboardState(mode: .watch, glyphs: .unicode, now: Fixture.t0, size: Self.large)
        for event in ParetoFixture.twoObjectives() {
            _ = update(&s, .event(event))
            XCTAssertEqual(s.frontHistory.points, FrontHistory(s.study).points)
        }
    }

    func testTheHeaderShowsTheFrontAndTheLastGain() {
        let (_, buf) = screen([], size: Self.large)
        XCTAssertTrue(text(buf).contains("front 9 sets  hv 2.37 (+0.0129 at #19)  grew with the last trial"), text(buf))
    }

    // MARK: The table

    func testOneColumnPerObjectiveSortableWithO() {
        var s = ParetoFixture.state()
        // At 80 columns the summary panel is below the table, not beside its title row.
        let header = render(s, size: Self.small).plainText().first { $0.contains("state") } ?? ""
        XCTAssertTrue(header.contains("cost"), header)
        XCTAssertTrue(header.contains("accuracy"), header)
        XCTAssertTrue(header.contains("feas"), header)
        XCTAssertFalse(header.contains("score"), header)
        XCTAssertTrue(s.sortColumns.contains(.objective(1)))
        while s.sort != .objective(1) { _ = update(&s, .key(.char("o"))) }
        // Accuracy ascending; the failed, pruned and running trials (no value) last.
        let accuracies = s.rows.compactMap { s.study.trials[$0].outcome?.values?[1] }
        XCTAssertEqual(accuracies, accuracies.sorted())
        XCTAssertEqual(s.study.trials[s.rows[0]].number, 13, "the lowest accuracy, 0.5201")
        XCTAssertEqual(s.rows.suffix(4).map { s.study.trials[$0].number }, [4, 9, 20, 21])
        XCTAssertTrue(text(render(s, size: Self.large)).contains("sort accuracy"))
        // Infeasible trials are marked.
        let row5 = render(s, size: Self.large).plainText().first { $0.hasPrefix("  5 ") || $0.hasPrefix(" 5 ") } ?? ""
        XCTAssertTrue(row5.contains(" no "), row5)
    }

    // MARK: Importance

    func testImportanceTabRanksByTheNextObjective() {
        var s = ParetoFixture.state()
        _ = update(&s, .key(.char("i")))
        XCTAssertEqual(s.importanceObjective, 0)
        XCTAssertEqual(s.shownImportances, s.study.importances, "the first objective's are the score's")
        _ = update(&s, .key(.tab))
        XCTAssertEqual(s.importanceObjective, 1)
        let trials = s.study.trials.compactMap { t -> (params: Params, score: Double)? in
            guard t.state == .complete, let v = t.outcome?.values else { return nil }
            return (t.launch.params, v[1])
        }
        XCTAssertEqual(trials.count, 18)
        XCTAssertEqual(s.shownImportances, Importance.compute(space: Fixture.space, direction: .maximize, trials: trials))
        XCTAssertTrue(text(render(s, size: Self.large)).contains("objective 2 of 2: accuracy ↑"))
        _ = update(&s, .key(.tab))
        XCTAssertEqual(s.importanceObjective, 0)
    }

    // MARK: One objective stays as it was

    func testOneObjectiveDoesNotOfferTheParetoView() {
        var s = Fixture.state()
        XCTAssertFalse(DashboardState.keyMap.hints(s).contains { $0.key.contains("P") })
        XCTAssertFalse(DashboardState.keyMap.helpRows(s).contains { $0.keys.split(separator: " ").contains("P") })
        XCTAssertTrue(s.front.isEmpty)
        XCTAssertTrue(s.frontHistory.points.isEmpty)
        _ = update(&s, .key(.char("P")))
        XCTAssertTrue(text(render(s, size: Self.small)).contains("one objective: no front"))
        let multi = ParetoFixture.state()
        XCTAssertTrue(DashboardState.keyMap.hints(multi).contains { $0.key.contains("P") })
        XCTAssertTrue(DashboardState.keyMap.helpRows(multi).contains { $0.keys == "P" })
    }
}
