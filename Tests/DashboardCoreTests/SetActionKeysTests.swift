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
}
