import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// r, + and e: the effects they ask for, the form that checks a typed set against the search
/// space, and where they are refused.
final class SetActionKeysTests: XCTestCase {
    func keys(_ s: inout DashboardState, _ keys: [Key]) -> [DashboardEffect] {
        var out: [DashboardEffect] = []
        for k in keys { out += update(&s, .key(k)) }
        return out
    }

    func type(_ text: String) -> [Key] { text.map { .char($0) } }

    func testRRetriesAFailedSetAndSaysWhyNotOtherwise() {
        var s = Fixture.state()
        XCTAssertEqual(keys(&s, [.down, .down, .down, .down, .char("r")]), [.command(.retry(paramSet: 4))], "trial 4 failed: its set runs again")
        XCTAssertEqual(keys(&s, [.up, .char("r")]), [])
        XCTAssertEqual(s.status, "trial 3 completed: + gives its set more runs")
        var watch = Fixture.state(mode: .watch)
        XCTAssertEqual(keys(&watch, [.down, .down, .down, .down, .char("r")]), [], "watch is read-only")
    }

    func testPlusAsksHowManyMoreRuns() {
        var s = Fixture.state()
        _ = keys(&s, [.down, .down, .char("+")])
        XCTAssertEqual(s.overlay, .repeats(paramSet: 2, draft: ""))
        assertGolden(render(s, size: Size(width: 80, height: 24)), "repeats-80x24")
        XCTAssertEqual(keys(&s, type("3x") + [.enter]), [.command(.addRuns(paramSet: 2, count: 3))], "digits only")
        _ = keys(&s, [.char("+")])
        XCTAssertEqual(keys(&s, [.enter]), [.command(.addRuns(paramSet: 2, count: 1))], "Enter alone: one more run")
    }

    func testEnqueueFormChecksTheSpace() {
        var s = Fixture.state()
        _ = keys(&s, [.char("e")])
        guard case .enqueue(let fields, 0, nil)? = s.overlay else { return XCTFail("\(String(describing: s.overlay))") }
        XCTAssertEqual(fields, ["0.001", "0.08", "min", "192"], "starts from the best set")
        assertGolden(render(s, size: Size(width: 120, height: 40)), "enqueue-120x40")
        // learning_rate 0.5 is outside 1e-4..1e-2: refused with the reason, focus on the field.
        _ = keys(&s, Array(repeating: .backspace, count: 5) + type("0.5") + [.tab, .tab, .tab, .enter])
        guard case .enqueue(_, let focus, let problem?)? = s.overlay else { return XCTFail("\(String(describing: s.overlay))") }
        XCTAssertEqual(focus, 0)
        XCTAssertTrue(problem.contains("++algorithm.learning_rate: 0.5 is outside"), problem)
        let effects = keys(&s, Array(repeating: .backspace, count: 3) + type("0.002") + [.tab, .tab] + [.backspace, .backspace, .backspace] + type("max") + [.enter])
        XCTAssertEqual(effects, [.command(.enqueue(["++algorithm.learning_rate": .float(0.002), "++algorithm.tau": .float(0.08),
                                           "++algorithm.critic_select": .string("max"), "++algorithm.batch_size": .int(192)]))])
        XCTAssertNil(s.overlay)
        _ = keys(&s, [.char("e"), .tab, .tab, .tab] + type("1") + [.enter])
        guard case .enqueue(_, 3, let step?)? = s.overlay else { return XCTFail("\(String(describing: s.overlay))") }
        XCTAssertTrue(step.contains("in steps of 64"), step)
    }

    /// Issue 27, L13: choices `"1"` and `1` looked the same in the enqueue form, and typing 1
    /// always chose the string. The form shows the string quoted; `1` chooses the int, `"1"` the
    /// string, and a best set with the string starts the field quoted.
    func testEnqueueTellsAStringChoiceFromAnIntOfTheSameText() {
        let space = SearchSpace([Parameter(name: "++c", distribution: .categorical(choices: [.string("1"), .int(1), .string("adam")]))])
        let spec = StudySpec(studyName: "mixed", maxTrials: 5, nJobs: 1, direction: .maximize, maxDurationMinutes: 30,
                             space: space, sampler: .random, criterion: Fixture.criterion, nEpochs: 1, evalAfterNSteps: 1)
        let info = StudyInfo(spec: spec, sweepDir: "data/mixed", stopFile: "stop", pauseFile: "pause", startedAt: Fixture.t0)
        var s = DashboardState(mode: .live, now: Fixture.t0, size: Size(width: 100, height: 30))
        _ = update(&s, .events([.started(info), .launched(TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: ["++c": .string("1")],
                                                                       runDir: "data/mixed/0", command: ["job"], startedAt: Fixture.t0)),
                                .finished(TrialOutcome(number: 0, state: .complete, score: 0.5, reason: nil, exitStatus: 0, signal: nil,
                                                       endedAt: Fixture.t0.addingTimeInterval(10)))]))
        _ = update(&s, .key(.char("e")))
        guard case .enqueue(let fields, _, _)? = s.overlay else { return XCTFail("\(String(describing: s.overlay))") }
        XCTAssertEqual(fields.map(\.text), [#""1""#], "the best set's string, quoted")
        let form = render(s, size: Size(width: 100, height: 30)).plainText().joined(separator: "\n")
        XCTAssertTrue(form.contains(#""1" | 1 | adam"#), form)
        XCTAssertEqual(keys(&s, [.enter]), [.command(.enqueue(["++c": .string("1")]))])
        _ = keys(&s, [.char("e"), .backspace, .backspace, .backspace])
        XCTAssertEqual(keys(&s, type("1") + [.enter]), [.command(.enqueue(["++c": .int(1)]))], "1 is the int")
        _ = keys(&s, [.char("e"), .backspace, .backspace, .backspace])
        XCTAssertEqual(keys(&s, type("adam") + [.enter]), [.command(.enqueue(["++c": .string("adam")]))], "a string no other choice reads as needs no quotes")
        _ = keys(&s, [.char("e"), .backspace, .backspace, .backspace])
        _ = keys(&s, type("2") + [.enter])
        guard case .enqueue(_, _, let problem?)? = s.overlay else { return XCTFail("\(String(describing: s.overlay))") }
        XCTAssertTrue(problem.hasSuffix(#"is not one of "1", 1, adam"#), problem)
    }
}
