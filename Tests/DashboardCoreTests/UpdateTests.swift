import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// `update` driven by sequences of messages, as the runner would send them.
final class UpdateTests: XCTestCase {
    private func send(_ s: inout DashboardState, _ keys: Key...) -> [DashboardEffect] {
        keys.flatMap { update(&s, .key($0)) }
    }

    private func screenText(_ s: DashboardState) -> String {
        render(s, size: s.size).plainText().joined(separator: "\n")
    }

    func testArrowsAndJKMoveTheSelectionWithinTheRows() {
        var s = Fixture.state()
        XCTAssertEqual(s.selectedTrial, 0)
        _ = send(&s, .char("j"), .down, .char("j"))
        XCTAssertEqual(s.selectedTrial, 3)
        _ = send(&s, .char("k"), .up)
        XCTAssertEqual(s.selectedTrial, 1)
        _ = send(&s, .up, .up)
        XCTAssertEqual(s.selectedTrial, 0, "stops at the top")
        _ = send(&s, .end)
        XCTAssertEqual(s.selectedTrial, 11)
        _ = send(&s, .down)
        XCTAssertEqual(s.selectedTrial, 11, "stops at the bottom")
        _ = send(&s, .home)
        XCTAssertEqual(s.selectedTrial, 0)
    }

    func testPagesScrollALongTable() {
        var s = Fixture.state(size: Size(width: 80, height: 24), finished: 40, running: 5)
        _ = send(&s, .pageDown)
        XCTAssertGreaterThan(s.offset, 0)
        XCTAssertEqual(s.selectedTrial, s.offset == 0 ? nil : s.study.trials[s.rows[s.selectedRow ?? 0]].number)
        let row = s.selectedRow ?? -1
        XCTAssertTrue((s.offset..<s.offset + 10).contains(row), "the selection is on screen")
        XCTAssertTrue(screenText(s).contains("\n \(s.selectedTrial ?? -1) "), "and drawn")
        _ = send(&s, .pageUp)
        XCTAssertEqual(s.offset, 0)
    }

    func testEnterOpensTheDetailAndEscGoesBack() {
        var s = Fixture.state()
        _ = send(&s, .char("j"), .enter)
        XCTAssertEqual(s.screen, .detail(trial: 1))
        XCTAssertTrue(screenText(s).contains("run dir  data/reach-sac/1"))
        _ = send(&s, .escape)
        XCTAssertEqual(s.screen, .trials)
        XCTAssertEqual(s.selectedTrial, 1)
    }

    func testPauseAndStopAreEffectsAndThePhaseComesFromTheEngine() {
        var s = Fixture.state()
        XCTAssertEqual(send(&s, .char("p")), [.command(.togglePause)])
        XCTAssertEqual(send(&s, .char("s")), [.command(.toggleStop)])
        XCTAssertTrue(screenText(s).contains("stop file deleted"))
        XCTAssertFalse(screenText(s).contains("STOPPING"), "the state shows what the engine reports, not what was asked")
        _ = update(&s, .event(.phase(.stopping, reason: "stop file deleted")))
        XCTAssertTrue(screenText(s).contains("STOPPING"))
        XCTAssertTrue(screenText(s).contains("s cancel stop"))
        XCTAssertEqual(send(&s, .char("s")), [.command(.toggleStop)], "pressed again before the end it cancels")
        XCTAssertTrue(screenText(s).contains("stop file re-created"))
    }

    func testKillingATrialNeedsConfirmation() {
        var s = Fixture.state()
        _ = send(&s, .end)
        XCTAssertEqual(send(&s, .char("x")), [], "nothing is killed before confirming")
        XCTAssertEqual(s.overlay, .confirmKill(trial: 11))
        XCTAssertTrue(screenText(s).contains("kill trial 11?"))
        XCTAssertEqual(send(&s, .char("n")), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(send(&s, .char("x"), .char("y")), [.command(.kill(trial: 11, reason: nil))])
        XCTAssertNil(s.overlay)
    }

    func testOnlyRunningTrialsCanBeKilled() {
        var s = Fixture.state()
        XCTAssertEqual(send(&s, .char("x")), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(s.status, "trial 0 is not running")
    }

    func testATrialThatEndsWhileTheKillIsAskedClosesTheQuestion() {
        var s = Fixture.state()
        _ = send(&s, .end, .char("x"))
        _ = update(&s, .event(.finished(TrialOutcome(number: 11, state: .complete, score: 0.1, reason: nil, exitStatus: 0,
                                                     signal: nil, endedAt: Fixture.t0))))
        XCTAssertNil(s.overlay)
        XCTAssertEqual(send(&s, .char("y")), [], "a late 'y' kills nothing")
    }

    func testKillAllAsksFirst() {
        var s = Fixture.state()
        XCTAssertEqual(send(&s, .char("K")), [])
        XCTAssertTrue(screenText(s).contains("3 running trials get SIGTERM"))
        XCTAssertEqual(send(&s, .char("y")), [.command(.killAll(reason: nil))])
    }

    func testQuitWhileRunningAsksHowToStop() {
        var s = Fixture.state()
        XCTAssertEqual(send(&s, .char("q")), [])
        XCTAssertEqual(s.overlay, .confirmQuit)
        XCTAssertEqual(send(&s, .char("j")), [], "other keys do nothing while asking")
        XCTAssertEqual(send(&s, .escape), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(send(&s, .char("q"), .char("s")), [.quitAndStop])
        var t = Fixture.state()
        XCTAssertEqual(send(&t, .char("q"), .char("k")), [.quitAndKill])
    }

    func testTheQuitDialogOffersDetachOnlyWhenTheEngineCanGoOnAlone() {
        var s = Fixture.state()
        _ = send(&s, .char("q"))
        XCTAssertFalse(screenText(s).contains("detach"), "a run that cannot detach does not offer it")
        XCTAssertEqual(send(&s, .char("d")), [], "d does nothing there")
        XCTAssertEqual(s.overlay, .confirmQuit)
        var t = Fixture.state()
        t.canDetach = true
        _ = send(&t, .char("q"))
        XCTAssertTrue(screenText(t).contains("d    detach: the study goes on without this terminal"), screenText(t))
        XCTAssertEqual(send(&t, .char("d")), [.detach])
    }

    func testAttachModeKillsAndDetachesAtOnce() {
        var s = Fixture.state(mode: .attach)
        XCTAssertTrue(screenText(s).contains("attached RUNNING"), screenText(s))
        XCTAssertTrue(screenText(s).contains("q detach"), "the footer says q detaches")
        XCTAssertTrue(screenText(s).contains("x kill"), "kills are offered")
        _ = send(&s, .end)
        _ = send(&s, .char("K"))
        XCTAssertEqual(s.overlay, .confirmKillAll)
        XCTAssertEqual(send(&s, .char("y")), [.command(.killAll(reason: nil))])
        XCTAssertEqual(send(&s, .char("q")), [.quit], "q detaches without a question: the study goes on")
    }

    func testQuitAfterTheStudyEndedQuitsAtOnce() {
        var s = Fixture.state()
        _ = send(&s, .char("q"))
        _ = update(&s, .event(.phase(.done, reason: nil)))
        XCTAssertNil(s.overlay, "the question is moot once the study is done")
        XCTAssertTrue(screenText(s).contains("study done: q quits"))
        XCTAssertEqual(send(&s, .char("q")), [.quit])
        XCTAssertEqual(send(&s, .char("s")), [], "no stop file to delete any more")
    }

    func testWatchModeCannotKillButCanStopAndQuitsAtOnce() {
        var s = Fixture.state(mode: .watch)
        _ = send(&s, .end)
        XCTAssertEqual(send(&s, .char("x")), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(send(&s, .char("K")), [])
        XCTAssertNil(s.overlay)
        XCTAssertTrue(s.status?.contains("read-only") ?? false)
        XCTAssertEqual(send(&s, .char("s")), [.command(.toggleStop)])
        XCTAssertEqual(send(&s, .char("p")), [.command(.togglePause)])
        XCTAssertEqual(send(&s, .char("q")), [.quit])
        XCTAssertFalse(screenText(s).contains("x kill"), "the footer does not offer what is disabled")
    }

    func testBrowseModeHasNoControls() {
        var study = Study()
        for e in Fixture.events(finished: 5, running: 0) { study.apply(e) }
        var s = DashboardState(study: study, mode: .browse, now: Fixture.t0)
        _ = update(&s, .streamEnded)
        XCTAssertNil(s.status, "a finished study has no stream to miss")
        XCTAssertEqual(send(&s, .char("s"), .char("p"), .char("x"), .char("K")), [])
        XCTAssertNil(s.overlay)
        XCTAssertEqual(send(&s, .char("j"), .enter), [])
        XCTAssertEqual(s.screen, .detail(trial: 1))
        XCTAssertEqual(send(&s, .char("q")), [.quit])
    }

    func testResizeKeepsTheSelectionOnScreen() {
        var s = Fixture.state(finished: 25, running: 4)
        _ = send(&s, .end)
        XCTAssertEqual(s.offset, 0, "29 rows fit at 120x40")
        _ = update(&s, .resize(width: 80, height: 24))
        XCTAssertEqual(s.size, Size(width: 80, height: 24))
        XCTAssertGreaterThan(s.offset, 0)
        XCTAssertTrue(screenText(s).contains("\n 28 RUN"), screenText(s))
        _ = update(&s, .resize(width: 50, height: 10))
        XCTAssertTrue(screenText(s).contains("terminal too small: 50x10"))
        _ = update(&s, .resize(width: 120, height: 40))
        XCTAssertEqual(s.offset, 0)
    }

    func testSortCyclesThroughColumnsAndReverses() {
        var s = Fixture.state()
        _ = send(&s, .char("o"))
        XCTAssertEqual(s.sort, .state)
        for _ in 0..<7 { _ = send(&s, .char("o")) }
        XCTAssertEqual(s.sort, .score)
        _ = send(&s, .char("O"))
        XCTAssertTrue(s.descending)
        let scores = s.rows.map { s.study.trials[$0].score }
        XCTAssertEqual(scores.first ?? nil, s.study.trials.compactMap(\.score).max())
        XCTAssertEqual(scores.suffix(4).filter { $0 == nil }.count, 4, "unscored trials stay last in both directions")
        XCTAssertTrue(screenText(s).contains("sort score▼"))
        for _ in 0..<2 { _ = send(&s, .char("o")) }
        XCTAssertEqual(s.sort, .number, "wraps around")
    }

    func testSortKeepsTheSelectedTrial() {
        var s = Fixture.state()
        _ = send(&s, .char("j"), .char("j"))
        _ = send(&s, .char("O"))
        XCTAssertEqual(s.selectedTrial, 2)
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }.first, 11)
    }

    func testTextFilterNarrowsTheTableAndEscClearsIt() {
        var s = Fixture.state()
        _ = send(&s, .char("/"), .char("m"), .char("a"), .char("x"))
        XCTAssertTrue(s.editingFilter)
        XCTAssertTrue(screenText(s).contains("filter: max_"))
        _ = send(&s, .enter)
        XCTAssertFalse(s.editingFilter)
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }, [1, 3, 5, 7, 9, 11])
        XCTAssertEqual(s.selectedTrial, 1, "the selected trial 0 was filtered out: the row in its place is selected")
        XCTAssertTrue(screenText(s).contains("filter \"max\""))
        _ = send(&s, .escape)
        XCTAssertEqual(s.rows.count, 12)
        _ = send(&s, .char("/"), .char("z"), .backspace, .char("f"), .char("a"), .char("i"), .char("l"), .enter)
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }, [4], "filters match the state too")
    }

    func testStateFilterCycles() {
        var s = Fixture.state()
        _ = send(&s, .char("f"))
        XCTAssertEqual(s.stateFilter, .running)
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }, [9, 10, 11])
        _ = send(&s, .char("f"), .char("f"), .char("f"))
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }, [4])
        _ = send(&s, .char("f"), .char("f"))
        XCTAssertNil(s.stateFilter)
        XCTAssertEqual(s.rows.count, 12)
    }

    func testNewTrialsArrivingKeepTheSelectionAndItsPlaceOnScreen() {
        var s = Fixture.state(size: Size(width: 80, height: 24))
        _ = send(&s, .char("O"))
        _ = send(&s, .char("j"), .char("j"), .char("j"))
        let selected = s.selectedTrial
        let place = (s.selectedRow ?? 0) - s.offset
        _ = update(&s, .events([.launched(Fixture.launch(12)), .launched(Fixture.launch(13))]))
        XCTAssertEqual(s.selectedTrial, selected)
        XCTAssertEqual((s.selectedRow ?? 0) - s.offset, place, "new rows on top do not push the selection down")
        XCTAssertEqual(s.rows.count, 14)
    }

    func testTheFirstTrialIsSelectedWhenItArrives() {
        var s = DashboardState(now: Fixture.t0)
        XCTAssertNil(s.selectedTrial)
        _ = update(&s, .events([.started(Fixture.info()), .launched(Fixture.launch(0))]))
        XCTAssertEqual(s.selectedTrial, 0)
    }

    func testAStudyReadAnewKeepsTheSelectionAndTheView() {
        var s = Fixture.state()
        _ = send(&s, .char("j"), .char("j"), .char("f"))
        XCTAssertEqual(s.stateFilter, .running)
        var fresh = Study()
        for e in Fixture.events(finished: 5, running: 10) { fresh.apply(e) }
        _ = update(&s, .replaceStudy(fresh))
        XCTAssertEqual(s.rows.map { s.study.trials[$0].number }, Array(5..<15))
        XCTAssertEqual(s.count(.running), 10)
        XCTAssertEqual(s.stateFilter, .running)
        XCTAssertTrue(screenText(s).contains("running 10"))
    }

    func testOutputKeepsOnlyTheLastLines() {
        var s = Fixture.state()
        s.outputLimit = 200
        let lines = (0..<250).map { "line \($0)" }
        _ = update(&s, .event(.output(trial: 10, stream: .stderr, lines: Array(lines[0..<120]))))
        _ = update(&s, .event(.output(trial: 10, stream: .stdout, lines: Array(lines[120...]))))
        let kept = s.output(of: 10)
        XCTAssertEqual(kept.count, 200)
        XCTAssertEqual(kept.last?.text, "line 249")
        XCTAssertEqual(kept.first?.text, "line 50")
        XCTAssertEqual(kept.first?.stream, .stderr)
    }

    func testDetailScrollStopsAtTheLastChart() {
        var s = Fixture.state()
        _ = send(&s, .enter)
        for _ in 0..<10 { _ = send(&s, .char("j")) }
        XCTAssertEqual(s.detailScroll, 1, "two metrics: the scroll stops at the second")
        _ = send(&s, .char("k"))
        XCTAssertEqual(s.detailScroll, 0)
    }

    func testTheDetailFollowsOutputLive() {
        var s = Fixture.state()
        _ = send(&s, .end, .enter)
        _ = update(&s, .event(.output(trial: 11, stream: .stdout, lines: ["| success_rate | 0.55 |"])))
        XCTAssertTrue(screenText(s).contains("| success_rate | 0.55 |"))
    }

    func testTicksMoveTheClockAndReorderByDuration() {
        var s = Fixture.state()
        _ = update(&s, .tick(Fixture.t0.addingTimeInterval(1000)))
        XCTAssertEqual(s.now, Fixture.t0.addingTimeInterval(1000))
        XCTAssertTrue(screenText(s).contains("elapsed 16m40s"))
        for _ in 0..<9 { _ = send(&s, .char("o")) }
        XCTAssertEqual(s.sort, .duration)
        _ = send(&s, .char("O"))
        // Running trials grow with the clock: the oldest running trial is the longest.
        XCTAssertEqual(s.study.trials[s.rows[0]].number, 9)
    }

    func testEngineMessagesShowOnTheStatusLine() {
        var s = Fixture.state()
        _ = update(&s, .event(.message("trial 12 retried after a lost engine", at: Fixture.t0)))
        XCTAssertTrue(screenText(s).contains("trial 12 retried after a lost engine"))
        _ = update(&s, .streamEnded)
        XCTAssertTrue(s.streamEnded)
    }

    func testHelpOpensAndAnyKeyClosesIt() {
        var s = Fixture.state()
        _ = send(&s, .char("?"))
        XCTAssertTrue(screenText(s).contains("any key closes this help"))
        XCTAssertEqual(send(&s, .char("q")), [], "the key that closes help does nothing else")
        XCTAssertNil(s.overlay)
    }

    /// A control the program could not carry out says so on the message line.
    func testAnEffectsResultShowsOnTheDashboard() {
        var s = Fixture.state(size: Size(width: 120, height: 40))
        XCTAssertEqual(update(&s, .effectResult("could not change /p/hyperopt_paused: permission denied")), [])
        XCTAssertTrue(render(s, size: s.size).plainText().joined().contains("could not change /p/hyperopt_paused: permission denied"))
    }

    func testSignalsEndTheDashboard() {
        var s = Fixture.state()
        XCTAssertEqual(update(&s, .interrupt), [.interrupted])
    }

    func testStudiesBrowserOpensAndExports() {
        let rows = ["a", "b", "c"].map {
            StudyListRow(name: $0, direction: .maximize, counts: [:], best: nil, startedAt: nil, duration: nil)
        }
        var s = StudiesBrowserState(rows: rows, source: "x.db", now: Fixture.t0)
        _ = update(&s, .key(.char("j")))
        XCTAssertEqual(update(&s, .key(.enter)), [.openStudy("b")])
        _ = update(&s, .key(.end))
        XCTAssertEqual(update(&s, .key(.char("e"))), [.exportStudy("c")])
        XCTAssertTrue(render(s, size: Size(width: 80, height: 24)).plainText().joined().contains("exporting c"))
        // The export's result comes back from the program around the browser as a message.
        _ = update(&s, .effectResult("Exported /x/c.csv and /x/c.json"))
        XCTAssertTrue(render(s, size: Size(width: 80, height: 24)).plainText().joined().contains("Exported /x/c.csv and /x/c.json"))
        XCTAssertEqual(update(&s, .key(.char("q"))), [.quit])
    }
}
