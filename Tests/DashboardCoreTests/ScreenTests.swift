import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// Whole screens at the sizes the dashboard promises, compared with plain-text goldens.
final class ScreenTests: XCTestCase {
    func testMainScreen120x40() {
        let s = Fixture.state()
        assertGolden(render(s, size: Size(width: 120, height: 40)), "main-120x40")
    }

    func testMainScreen80x24() {
        let s = Fixture.state(size: Size(width: 80, height: 24))
        assertGolden(render(s, size: Size(width: 80, height: 24)), "main-80x24")
    }

    func testMainScreenASCII80x24() {
        let s = Fixture.state(size: Size(width: 80, height: 24), glyphs: .ascii)
        let buf = render(s, size: Size(width: 80, height: 24))
        assertGolden(buf, "main-ascii-80x24")
        XCTAssertTrue(buf.cells.allSatisfy { $0.char.isASCII }, "ASCII mode drew a non-ASCII glyph")
    }

    func testDetail120x40() {
        var s = Fixture.state()
        _ = update(&s, .key(.char("j")))
        _ = update(&s, .key(.char("j")))
        _ = update(&s, .key(.char("j")))
        _ = update(&s, .key(.char("j")))
        _ = update(&s, .key(.enter))
        XCTAssertEqual(s.screen, .detail(trial: 4))
        assertGolden(render(s, size: Size(width: 120, height: 40)), "detail-failed-120x40")
    }

    func testDetailOfRunningTrial80x24() {
        var s = Fixture.state(size: Size(width: 80, height: 24))
        _ = update(&s, .key(.end))
        _ = update(&s, .key(.enter))
        assertGolden(render(s, size: Size(width: 80, height: 24)), "detail-running-80x24")
    }

    func testHelpOverlay120x40() {
        var s = Fixture.state()
        _ = update(&s, .key(.char("?")))
        assertGolden(render(s, size: Size(width: 120, height: 40)), "help-120x40")
    }

    /// The whole key list fits an 80x24 terminal, in every mode: nothing is cut off at the bottom.
    func testHelpOverlayFits80x24() {
        for mode in [DashboardMode.live, .attach, .browse] {
            var s = Fixture.state(size: Size(width: 80, height: 24))
            s.mode = mode
            _ = update(&s, .key(.char("?")))
            let screen = render(s, size: Size(width: 80, height: 24)).plainText(trimTrailing: false).joined(separator: "\n")
            XCTAssertTrue(screen.contains("any key closes this help"), "\(mode)\n" + screen)
            XCTAssertTrue(screen.contains("; this help "), "\(mode)\n" + screen)
            XCTAssertTrue(screen.contains("importance: what drives the score"), "\(mode)\n" + screen)
            if mode == .live { assertGolden(render(s, size: Size(width: 80, height: 24)), "help-80x24") }
        }
    }

    /// The header and the detail say where the scores came from, as the outcome recorded it: the
    /// app's returned value also when the trial logged the criterion (Scilab-RL's apps do both);
    /// outcomes recorded before the source was kept are judged by their metrics.
    func testHeaderAndDetailNameTheScoresSource() {
        var spec = Fixture.spec()
        spec.passConfig = .overrides
        let info = StudyInfo(spec: spec, sweepDir: "data/reach-sac", stopFile: "delete_me_to_stop_hyperopt",
                             pauseFile: "pause_hyperopt", startedAt: Fixture.t0)
        func done(_ source: ScoreSource?) -> EngineEvent {
            var o = TrialOutcome(number: 0, state: .complete, score: 0.3, reason: nil, exitStatus: 0, signal: nil,
                                 endedAt: Fixture.t0.addingTimeInterval(60))
            o.scoreSource = source
            return .finished(o)
        }
        let cases: [([EngineEvent], String)] = [
            ([.started(info), .launched(Fixture.launch(0)), done(nil)], "returned by the app"),
            ([.started(info), .launched(Fixture.launch(0)), Fixture.metrics(0, epochs: 10), done(nil)], "rule wiki over eval/success_rate"),
            ([.started(info), .launched(Fixture.launch(0)), Fixture.metrics(0, epochs: 10), done(.returned)], "returned by the app"),
            ([.started(info), .launched(Fixture.launch(0)), Fixture.metrics(0, epochs: 10), done(.reported)], "the job's hyperopt_score"),
        ]
        for (events, expected) in cases {
            var s = DashboardState(mode: .live, now: Fixture.t0, size: Size(width: 120, height: 40))
            _ = update(&s, .events(events))
            let top = render(s, size: Size(width: 120, height: 40)).plainText()[0]
            XCTAssertTrue(top.contains("sampler tpe  maximize " + expected + " "), top)
            // The trial's detail says it too, and why it has no curves.
            _ = update(&s, .key(.enter))
            let detail = render(s, size: Size(width: 120, height: 40)).plainText().joined(separator: "\n")
            XCTAssertTrue(detail.contains("0.3  (\(expected))"), detail)
            if events.count == 3 {
                XCTAssertTrue(detail.contains("no metrics logged: the score is the value the app returned"), detail)
            }
        }
        // At 80 columns the program's name gives way, and the source stays whole.
        var s = DashboardState(mode: .live, now: Fixture.t0, size: Size(width: 80, height: 24))
        _ = update(&s, .events(cases[1].0))
        let top = render(s, size: Size(width: 80, height: 24)).plainText()[0]
        XCTAssertTrue(top.hasPrefix(" reach-sac  sampler tpe  maximize rule wiki over eval/success_rate "), top)
    }

    /// Issue 27, M4: the header's best is the study's best as Optuna ranks it: in a minimize study
    /// with a -inf trial, that trial (it used to say -1, the best finite value).
    func testHeaderBestCountsInfiniteValuesAsOptunaDoes() {
        var spec = Fixture.spec()
        spec.direction = .minimize
        let info = StudyInfo(spec: spec, sweepDir: "data/reach-sac", stopFile: "delete_me_to_stop_hyperopt",
                             pauseFile: "pause_hyperopt", startedAt: Fixture.t0)
        var events: [EngineEvent] = [.started(info)]
        for (i, v) in [-1.0, .infinity, -.infinity, 0.5].enumerated() {
            events += [.launched(Fixture.launch(i)),
                       .finished(TrialOutcome(number: i, state: .complete, score: v, reason: nil, exitStatus: 0, signal: nil,
                                              endedAt: Fixture.t0.addingTimeInterval(Double(60 + i))))]
        }
        var s = DashboardState(mode: .live, now: Fixture.t0, size: Size(width: 120, height: 40))
        _ = update(&s, .events(events))
        let best = render(s, size: Size(width: 120, height: 40)).plainText()[3]
        XCTAssertTrue(best.hasPrefix(" best -inf  n=1  #2  no gain 1 trial "), best)
    }

    /// Issue 27, L3: a study Python optuna ran shows what its store holds and "unknown" for the
    /// rest: no sampler, score rule or max_trials of hypertop's making; a multi-objective study
    /// names each objective's direction instead of one "minimize value".
    func testAStudyAnotherProgramRanShowsUnknownSettings() {
        func screens(_ directions: [Direction]) -> (main: [String], detail: String) {
            var spec = Fixture.spec(maxTrials: 1)
            spec.direction = directions[0]
            let info = StudyInfo(spec: spec, sweepDir: "", stopFile: "", pauseFile: "", startedAt: Fixture.t0,
                                 external: ExternalStudy(directions: directions))
            var s = DashboardState(mode: .browse, now: Fixture.t0, size: Size(width: 120, height: 40))
            _ = update(&s, .events([.started(info), .launched(Fixture.launch(0)),
                                    .finished(TrialOutcome(number: 0, state: .complete, score: 0.3, reason: nil, exitStatus: nil, signal: nil,
                                                           endedAt: Fixture.t0.addingTimeInterval(60)))]))
            let main = render(s, size: Size(width: 120, height: 40)).plainText()
            _ = update(&s, .key(.enter))
            return (main, render(s, size: Size(width: 120, height: 40)).plainText().joined(separator: "\n"))
        }
        let one = screens([.minimize])
        XCTAssertTrue(one.main[0].hasPrefix(" hypertop  reach-sac  sampler unknown  minimize value "), one.main[0])
        XCTAssertTrue(one.main[1].hasSuffix("   trials  1 launched, max_trials unknown"), one.main[1])
        XCTAssertTrue(one.detail.contains("0.3  (value)"), one.detail)
        let two = screens([.minimize, .maximize])
        XCTAssertTrue(two.main[0].hasPrefix(" hypertop  reach-sac  sampler unknown  2 objectives (minimize, maximize), the first shown "), two.main[0])
        XCTAssertTrue(two.detail.contains("0.3  (values[0])"), two.detail)
    }

    func testQuitDialog80x24() {
        var s = Fixture.state(size: Size(width: 80, height: 24))
        _ = update(&s, .key(.char("q")))
        assertGolden(render(s, size: Size(width: 80, height: 24)), "quit-80x24")
    }

    func testStudyNotStartedYet() {
        let s = DashboardState(now: Fixture.t0, size: Size(width: 80, height: 24))
        assertGolden(render(s, size: Size(width: 80, height: 24)), "empty-80x24")
    }

    func testTooSmallTerminalSaysHowLargeItMustBe() {
        let s = Fixture.state(size: Size(width: 60, height: 20))
        let text = render(s, size: Size(width: 60, height: 20)).plainText()
        XCTAssertTrue(text.contains { $0.contains("terminal too small: 60x20") }, text.joined(separator: "\n"))
        XCTAssertTrue(text.contains { $0.contains("needs at least 80x24") })
        let justWideEnough = render(s, size: Size(width: 80, height: 23)).plainText()
        XCTAssertTrue(justWideEnough.contains { $0.contains("terminal too small: 80x23") })
    }

    func testTrialsLostWithADeadEngineGiveTheirPlaceBack() {
        // A resumed study: two trials were lost with the engine; the budget count leaves them out.
        var s = Fixture.state(size: Size(width: 120, height: 40), finished: 9, running: 0)
        _ = update(&s, .events([9, 10].flatMap { n -> [EngineEvent] in
            [.launched(Fixture.launch(n)),
             .finished(.lostWithEngine(number: n, detail: "it never sent a heartbeat", at: Fixture.t0.addingTimeInterval(400)))]
        }))
        let header = render(s, size: Size(width: 120, height: 40)).plainText()[1]
        XCTAssertTrue(header.hasSuffix(" 9/20 launched (+2 lost)"), header)
    }

    func testFinishedStudyOpenedForBrowsing() {
        var study = Study()
        for e in Fixture.events(finished: 12, running: 0) { study.apply(e) }
        study.apply(.phase(.done, reason: "max_trials reached"))
        let s = DashboardState(study: study, mode: .browse, now: Fixture.t0.addingTimeInterval(9000))
        let buf = render(s, size: Size(width: 120, height: 40))
        assertGolden(buf, "browse-120x40")
        // The elapsed time stops at the last trial's end, not at "now".
        XCTAssertTrue(buf.plainText()[1].contains("elapsed 5m15s"), buf.plainText()[1])
    }

    func testManyParametersStillFitAt80Columns() {
        var spec = Fixture.spec()
        spec.space = SearchSpace((0..<10).map { Parameter(name: "++algorithm.parameter_\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })
        var s = DashboardState(now: Fixture.t0, size: Size(width: 80, height: 24))
        let params = Dictionary(uniqueKeysWithValues: spec.space.parameters.map { ($0.name, ParamValue.float(0.123456)) })
        _ = update(&s, .events([
            .started(StudyInfo(spec: spec, sweepDir: "", stopFile: "", pauseFile: "", startedAt: Fixture.t0)),
            .launched(TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: params, runDir: "", command: [], startedAt: Fixture.t0)),
        ]))
        let text = render(s, size: Size(width: 80, height: 24)).plainText()
        // The last parameters give up their columns; the trial's own columns all stay.
        XCTAssertTrue(text[5].hasPrefix(" #▲ state para… para…"), text[5])
        XCTAssertTrue(text[5].hasSuffix("epoch  value  score   time"), text[5])
        XCTAssertTrue(text[6].hasPrefix("  0 RUN   0.123 0.123"), text[6])
    }

    func testStudiesBrowser() {
        var rows = [
            StudyListRow(name: "reach-sac", direction: .maximize, counts: [.complete: 18, .failed: 2],
                            best: 0.8125, startedAt: Fixture.t0, duration: 1520, engine: .done),
            StudyListRow(name: "reach-ddpg-long-name-of-a-study", direction: .minimize,
                            counts: [.running: 3, .complete: 7, .pruned: 4], best: nil, startedAt: nil, duration: nil,
                            engine: .running(host: "node07", pid: 4242)),
        ]
        var s = StudiesBrowserState(rows: rows, source: "studies.db", now: Fixture.t0)
        _ = update(&s, .key(.down))
        assertGolden(render(s, size: Size(width: 120, height: 40)), "studies-120x40")

        // At 80 columns every column stays: the running engine's host and pid, the sparkline.
        rows[0].history = [0.2, 0.5, 0.5, 0.7, 0.8125]
        s = StudiesBrowserState(rows: rows, source: "studies.db", now: Fixture.t0, size: Size(width: 80, height: 24))
        let narrow = render(s, size: Size(width: 80, height: 24))
        let text = narrow.plainText()
        XCTAssertTrue(text[3].contains("2026") == false && text[3].hasSuffix("done        ▁▄▄▇█"), text[3])
        XCTAssertTrue(text[4].contains("4/0") && text[4].hasSuffix("node07:4242"), text[4])
        XCTAssertTrue(text.allSatisfy { $0.count <= 80 })
        assertGolden(narrow, "studies-80x24")
    }

    /// Issue 31: a study of several objectives lists each direction, and a front rather than a best value.
    func testStudiesBrowserListsEachObjectivesDirection() {
        var mo = StudyListRow(name: "mo", direction: .minimize, counts: [.complete: 20], best: 1, startedAt: Fixture.t0, duration: 60, engine: .done)
        mo.directions = [.minimize, .maximize]
        let one = StudyListRow(name: "one", direction: .maximize, counts: [.complete: 3], best: 0.5, startedAt: Fixture.t0, duration: 60, engine: .done)
        let wide = render(StudiesBrowserState(rows: [mo, one], source: "s.db", now: Fixture.t0), size: Size(width: 120, height: 40)).plainText()
        let moLine = wide.first { $0.contains(" mo ") } ?? ""
        XCTAssertTrue(moLine.contains("min,max") && moLine.contains("front"), moLine)
        XCTAssertFalse(moLine.contains("1.000"), "no first-objective value posing as the best: \(moLine)")
        let oneLine = wide.first { $0.contains(" one ") } ?? ""
        XCTAssertTrue(oneLine.contains("maximize") && oneLine.contains("0.5"), oneLine)
        let narrow = render(StudiesBrowserState(rows: [mo], source: "s.db", now: Fixture.t0, size: Size(width: 80, height: 24)),
                            size: Size(width: 80, height: 24)).plainText()
        XCTAssertTrue(narrow.contains { $0.contains(" mo ") && $0.contains("2ob") }, narrow.joined(separator: "\n"))
    }
}
