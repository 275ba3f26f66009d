@testable import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// One key table drives the dispatch, the `?` list and the key line, in the dashboard and the
/// studies browser.
final class KeyMapTests: XCTestCase {
    /// A counter with two "screens" (even and odd), enough to see every part of a key map work.
    static let counter = KeyMap<Int>([
        Binding([.char("+")], quiet: [.up], help: "add one", hints: { _ in [KeyHint("+", "add", rank: 1)] }) { n, _ in n += 1; return [] },
        Binding([.char("-")], help: "take one", sharesRow: true, when: { $0 > 0 }, hints: { _ in [KeyHint("-", "add", rank: 1)] }) { n, _ in
            n -= 1
            return []
        },
        Binding([.char("0")], help: "reset", offered: { $0 % 2 == 1 }, hints: { _ in [KeyHint("0", "reset", rank: 0)] }) { n, _ in
            n = 0
            return [.quit]
        },
        Binding([.tab], sharesRow: true) { n, _ in n *= 2; return [] },
    ])

    func testDispatchGoesToTheFirstBindingThatActsHere() {
        var n = 0
        XCTAssertNil(KeyMapTests.counter.dispatch(.char("-"), &n), "- does not act at 0")
        XCTAssertEqual(KeyMapTests.counter.dispatch(.up, &n), [], "a quiet key acts as its binding")
        XCTAssertEqual(n, 1)
        XCTAssertEqual(KeyMapTests.counter.dispatch(.char("0"), &n), [.quit], "a key not offered in ? still acts")
        XCTAssertNil(KeyMapTests.counter.dispatch(.char("x"), &n))
    }

    func testHelpRowsJoinRelatedKeysAndLeaveOutWhatIsNotOffered() {
        XCTAssertEqual(KeyMapTests.counter.helpRows(0).map { "\($0.keys)|\($0.text)" }, ["+  -|add one; take one"],
                       "0 is not offered at an even count, nor Tab, which shares its row")
        XCTAssertEqual(KeyMapTests.counter.helpRows(1).map { "\($0.keys)|\($0.text)" }, ["+  -|add one; take one", "0  Tab|reset"])
    }

    func testHintsComeByRankAndNeighboursWithOneLabelMerge() {
        XCTAssertEqual(KeyMapTests.counter.hints(0), [KeyHint("+", "add", rank: 1)], "- does not act at 0: no hint")
        XCTAssertEqual(KeyMapTests.counter.hints(1), [KeyHint("0", "reset", rank: 0), KeyHint("+-", "add", rank: 1)])
    }

    /// An entry whose text fits is shown, though the space after it falls off the edge.
    func testTheKeyLineShowsWhatFits() {
        var buf = Buffer(width: 12, height: 1)
        KeyLine(hints: [KeyHint("?", "help", rank: 0), KeyHint("q", "quit", rank: 0)]).render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), [" ? help"])
        buf = Buffer(width: 15, height: 1)
        KeyLine(hints: [KeyHint("?", "help", rank: 0), KeyHint("q", "quit", rank: 0)]).render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), [" ? help  q quit"])
    }

    /// X and Delete were bound but missing from `?`: now every key a binding names is listed.
    func testTheDashboardsHelpNamesEveryKeyItBinds() {
        for mode in [DashboardMode.live, .attach, .watch, .browse] {
            var s = Fixture.state(mode: mode)
            let rows = DashboardState.keyMap.helpRows(s)
            let named = Set(rows.flatMap { $0.keys.split(separator: " ").map(String.init) })
            for binding in DashboardState.keyMap.bindings where binding.offered(s) {
                for key in binding.keys { XCTAssertTrue(named.contains(key.name), "\(mode): \(key.name) is bound but not in ?") }
            }
            _ = update(&s, .key(.char("?")))
            let screen = render(s, size: Size(width: 80, height: 24)).plainText().joined(separator: "\n")
            XCTAssertEqual(screen.contains("x Del F9  K X"), mode.controlsTrials, "\(mode)\n" + screen)
        }
    }

    func testDeleteAndXKill() {
        var s = Fixture.state()
        _ = update(&s, .key(.end))
        XCTAssertEqual(update(&s, .key(.delete)), [])
        XCTAssertEqual(s.overlay, .confirmKill(trial: 11))
        _ = update(&s, .key(.escape))
        _ = update(&s, .key(.char("X")))
        XCTAssertEqual(s.overlay, .confirmKillAll)
    }

    /// Issue 27, L10: Ctrl-L asks the runner to repaint the whole screen, on every screen of the
    /// dashboard and the browser, and also while a question, a form, the help or the filter is
    /// open (which stays open); `?` says so.
    func testCtrlLRepaintsEverywhere() {
        let ctrlL = DashboardMsg.key(.control("l"))
        var s = Fixture.state()
        XCTAssertEqual(update(&s, ctrlL), [.repaint])
        for key: Key in ["?", "e", "q", "/", "n", "x"].map({ .char($0) }) + [.enter] {
            var open = Fixture.state()
            _ = update(&open, .key(key))
            let before = (open.overlay, open.editingFilter, open.screen)
            XCTAssertEqual(update(&open, ctrlL), [.repaint], "after \(key)")
            XCTAssertTrue(before == (open.overlay, open.editingFilter, open.screen), "after \(key): what was open stays open")
        }
        for view in AnalysisView.allCases {
            var v = Fixture.state()
            _ = update(&v, .key(.char(view.key)))
            XCTAssertEqual(update(&v, ctrlL), [.repaint], "\(view)")
        }
        _ = update(&s, .key(.char("?")))
        let help = render(s, size: Size(width: 80, height: 24)).plainText().joined(separator: "\n")
        XCTAssertNotNil(help.range(of: "Ctrl-L +repaint the whole screen", options: .regularExpression), help)

        let rows = ["a", "b"].map { StudyListRow(name: $0, direction: .maximize, counts: [:], best: nil, startedAt: nil, duration: nil) }
        var browser = StudiesBrowserState(rows: rows, source: "x.db", now: Fixture.t0, size: Size(width: 80, height: 24))
        XCTAssertEqual(update(&browser, ctrlL), [.repaint])
        _ = update(&browser, .key(.char("?")))
        let browserHelp = render(browser, size: browser.size).plainText().joined(separator: "\n")
        XCTAssertNotNil(browserHelp.range(of: "Ctrl-L +repaint the whole screen", options: .regularExpression), browserHelp)
        XCTAssertEqual(update(&browser, ctrlL), [.repaint])
        XCTAssertTrue(browser.showHelp, "the help stays open")
        browser.showHelp = false
        _ = update(&browser, .key(.char("R")))
        XCTAssertEqual(update(&browser, ctrlL), [.repaint])
        XCTAssertNotNil(browser.confirm, "the question stays open")
        browser.confirm = nil
        browser.marked = ["a", "b"]
        _ = update(&browser, .key(.char("c")))
        XCTAssertEqual(update(&browser, ctrlL), [.repaint], "the compare view")
    }

    /// The browser's `?`, key line and keys come from its own key map.
    func testTheStudiesBrowsersHelpAndKeyLine() {
        let rows = ["a", "b"].map { StudyListRow(name: $0, direction: .maximize, counts: [:], best: nil, startedAt: nil, duration: nil) }
        var s = StudiesBrowserState(rows: rows, source: "x.db", now: Fixture.t0, size: Size(width: 80, height: 24))
        _ = update(&s, .key(.char("?")))
        let help = render(s, size: s.size).plainText().joined(separator: "\n")
        for line in ["j k PgUp PgDn Home End  move the selection; by pages; to the ends", "Space  c", "R  D", "q Esc  ?"] {
            XCTAssertTrue(help.contains(line), line + "\n" + help)
        }
        XCTAssertEqual(update(&s, .key(.char("j"))), [], "any key closes the help, and does nothing else")
        XCTAssertEqual(s.scroll.selected, 0)
        XCTAssertEqual(update(&s, .key(.escape)), [.quit], "Esc quits, as ? says")
        s.marked = ["a", "b"]
        _ = update(&s, .key(.char("c")))
        XCTAssertEqual(render(s, size: s.size).plainText().last, " Esc back to the studies")
        XCTAssertEqual(update(&s, .key(.char("j"))), [], "the compare view ignores other keys")
        XCTAssertEqual(update(&s, .key(.char("q"))), [])
        XCTAssertNil(s.comparing, "q leaves the compare view, it does not quit")
    }
}
