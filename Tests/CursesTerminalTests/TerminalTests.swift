import CNcursesw
@testable import CursesTerminal
import DashboardCore
import XCTest

/// A real curses screen on /dev/null (`newterm` with no terminal behind it): what `flush` writes
/// is read back cell by cell.
final class TerminalTests: XCTestCase {
    /// A terminal in `locale` (UTF-8 unless asked, whatever the test's environment), which the
    /// process goes back to afterwards.
    private func withTerminal(_ environment: [String: String] = [:], locale: String = "C.UTF-8",
                              _ body: (Terminal) throws -> Void) throws {
        let before = getenv("LC_ALL").map { String(cString: $0) }
        setenv("LC_ALL", locale, 1)
        defer {
            if let before { setenv("LC_ALL", before, 1) } else { unsetenv("LC_ALL") }
            setlocale(LC_ALL, "")
        }
        let terminal = try Terminal(termType: "xterm-256color", outputPath: "/dev/null", inputPath: "/dev/null",
                                    environment: environment)
        defer { terminal.close() }
        try body(terminal)
    }

    func testTheScreenHasTheTerminalsSize() throws {
        try withTerminal { t in
            // xterm's terminfo says 80x24 when there is no tty to ask.
            XCTAssertEqual(t.size, Size(width: 80, height: 24))
        }
    }

    func testFlushCopiesCharactersAndStyles() throws {
        try withTerminal { t in
            var buf = Buffer(width: 80, height: 24)
            buf.put("hello", x: 0, y: 0)
            buf.put("best", x: 10, y: 2, style: Style(fg: .best, bold: true))
            buf.put("sel", x: 0, y: 23, style: Style(reverse: true))
            buf.put("▁█", x: 78, y: 23, style: .fg(.accent))
            t.flush(buf)
            XCTAssertEqual(t.cell(x: 0, y: 0)?.char, "h")
            XCTAssertEqual(t.cell(x: 4, y: 0)?.char, "o")
            XCTAssertEqual(t.cell(x: 5, y: 0)?.char, " ")
            let best = try XCTUnwrap(t.cell(x: 10, y: 2))
            XCTAssertEqual(best.char, "b")
            XCTAssertNotEqual(best.attrs & hypertop_a_bold(), 0)
            XCTAssertNotEqual(best.pair, 0, "a coloured role gets a colour pair")
            let plain = try XCTUnwrap(t.cell(x: 0, y: 0))
            XCTAssertEqual(plain.pair, 0)
            XCTAssertEqual(plain.attrs & hypertop_a_bold(), 0)
            XCTAssertNotEqual(t.cell(x: 0, y: 23).map { $0.attrs & hypertop_a_reverse() }, 0)
            XCTAssertEqual(t.cell(x: 79, y: 23)?.char, "█", "the bottom-right cell is written too")
        }
    }

    func testNoColorTurnsRolesIntoAttributes() throws {
        try withTerminal(["NO_COLOR": "1"]) { t in
            XCTAssertFalse(t.usesColor)
            var buf = Buffer(width: 80, height: 24)
            buf.put("best", x: 0, y: 0, style: .fg(.best))
            buf.put("bar", x: 0, y: 1, style: Style(fg: .title, bg: .headerBar))
            t.flush(buf)
            let best = try XCTUnwrap(t.cell(x: 0, y: 0))
            XCTAssertEqual(best.pair, 0)
            XCTAssertNotEqual(best.attrs & hypertop_a_bold(), 0, "what colour meant becomes bold")
            XCTAssertNotEqual(t.cell(x: 0, y: 1).map { $0.attrs & hypertop_a_reverse() }, 0, "the header bar is reversed")
        }
    }

    func testWithColorsAvailableTheyAreUsed() throws {
        try withTerminal { t in XCTAssertTrue(t.usesColor) }
    }

    func testAFrameLargerThanTheScreenIsClipped() throws {
        try withTerminal { t in
            var buf = Buffer(width: 120, height: 40)
            buf.put(String(repeating: "z", count: 120), x: 0, y: 0)
            t.flush(buf)
            XCTAssertEqual(t.cell(x: 79, y: 0)?.char, "z")
        }
    }

    func testTheRealDashboardFlushesAtTheSmallestSize() throws {
        try withTerminal { t in
            let state = DashboardState(now: Date(timeIntervalSince1970: 0), size: t.size)
            t.flush(render(state, size: t.size))
            XCTAssertEqual(t.cell(x: 1, y: 0)?.char, "h", "the title bar starts with 'hypertop'")
        }
    }

    /// Issue 27 (M8): `研究β`, `x😀` and a combining accent reach curses as the wide characters
    /// they are, each where the buffer laid it out, also where a style changes inside a wide
    /// character; U+202E never reaches it.
    func testFlushDrawsWideCharactersInTwoCells() throws {
        try withTerminal { t in
            XCTAssertTrue(t.supportsUnicode)
            var buf = Buffer(width: 80, height: 24)
            buf.put("研究β x😀 e\u{301}!", x: 0, y: 0)
            buf.setStyle(Rect(x: 1, y: 0, width: 20, height: 1), Style(reverse: true))
            buf.put("rl\u{202E}evil", x: 0, y: 1)
            t.flush(buf)
            XCTAssertEqual(t.characters(x: 0, y: 0), ["研"])
            XCTAssertEqual(t.characters(x: 2, y: 0), ["究"])
            XCTAssertEqual(t.characters(x: 4, y: 0), ["β"])
            XCTAssertEqual(t.characters(x: 6, y: 0), ["x"])
            XCTAssertEqual(t.characters(x: 7, y: 0), ["😀"])
            XCTAssertEqual(t.characters(x: 10, y: 0), ["e", "\u{301}"])
            XCTAssertEqual(t.characters(x: 11, y: 0), ["!"])
            XCTAssertEqual((0..<8).map { t.characters(x: $0, y: 1) }, [["r"], ["l"], [" "], ["e"], ["v"], ["i"], ["l"], [" "]])
        }
    }

    /// The ASCII fallback: without a UTF-8 locale a character the terminal cannot show is `?` in
    /// each of its cells, and the text after it stays in its column.
    func testWithoutAUTF8LocaleWideCharactersShowAsQuestionMarks() throws {
        try withTerminal(locale: "C") { t in
            XCTAssertFalse(t.supportsUnicode)
            var buf = Buffer(width: 80, height: 24)
            buf.put("中b β", x: 0, y: 0)
            t.flush(buf)
            XCTAssertEqual((0..<5).map { t.characters(x: $0, y: 0) }, [["?"], ["?"], ["b"], [" "], ["?"]])
        }
    }

    /// The buffer lays text out by `CellWidth`; curses and the terminal place it by the C
    /// library's `wcwidth`. They must agree on every character the library knows, or columns
    /// shift. (A newer glibc: regenerate CellWidth's tables from its wcwidth.)
    func testCellWidthsAreTheCLibrarys() throws {
        let before = String(cString: setlocale(LC_ALL, nil))
        defer { setlocale(LC_ALL, before) }
        XCTAssertNotNil(setlocale(LC_ALL, "C.UTF-8"))
        var differ: [String] = []
        for v in UInt32(0)..<0x110000 {
            guard let u = Unicode.Scalar(v), !CellWidth.isBlank(u) else { continue }
            let libc = Int(wcwidth(wchar_t(bitPattern: v)))
            if libc >= 0 && libc != CellWidth.of(u) { differ.append("U+\(String(v, radix: 16, uppercase: true)): \(CellWidth.of(u)) vs \(libc)") }
        }
        XCTAssertEqual(differ.count, 0, differ.prefix(20).joined(separator: ", "))
    }

    func testNoKeyWithinTheTimeoutIsNil() throws {
        try withTerminal { t in
            XCTAssertNil(t.readInput(timeoutMs: 0))
        }
    }

    /// A terminal type the terminfo database lacks (an exotic TERM; a wheel on a machine whose
    /// database is elsewhere) gets the built-in xterm-256color or vt100 entry instead of an error.
    func testAnUnknownTerminalTypeGetsTheBuiltInEntry() throws {
        let before = getenv("TERMINFO").map { String(cString: $0) }
        defer { if let before { setenv("TERMINFO", before, 1) } else { unsetenv("TERMINFO") } }
        for (term, entry) in [("no-such-terminal-xyz", "x/xterm-256color"), ("vt-no-such-xyz", "v/vt100")] {
            let terminal = try Terminal(termType: term, outputPath: "/dev/null", inputPath: "/dev/null")
            XCTAssertEqual(terminal.size.width, 80, "xterm-256color and vt100 both say 80 columns")
            terminal.close()
            let dir = try XCTUnwrap(getenv("TERMINFO").map { String(cString: $0) })
            let written = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + entry))
            XCTAssertEqual(written, Data(base64Encoded: entry.hasPrefix("v") ? BuiltInTerminfo.vt100 : BuiltInTerminfo.xterm256color))
        }
    }

    func testOpeningAgainAfterClosingWorks() throws {
        try withTerminal { _ in }
        try withTerminal { t in XCTAssertEqual(t.size.width, 80) }
    }

    func testCursesKeyCodesBecomeKeys() {
        XCTAssertEqual(Terminal.functionKey(KEY_UP), .up)
        XCTAssertEqual(Terminal.functionKey(KEY_NPAGE), .pageDown)
        XCTAssertEqual(Terminal.functionKey(KEY_F0 + 9), .function(9))
        XCTAssertEqual(Terminal.functionKey(KEY_BTAB), .backTab)
        XCTAssertEqual(Terminal.characterKey(13), .enter)
        XCTAssertEqual(Terminal.characterKey(27), .escape)
        XCTAssertEqual(Terminal.characterKey(127), .backspace)
        XCTAssertEqual(Terminal.characterKey(0x6A), .char("j"))
        XCTAssertEqual(Terminal.characterKey(0xE9), .char("é"))
        XCTAssertEqual(Terminal.characterKey(12), .control("l"), "Ctrl-L")
        XCTAssertEqual(Terminal.characterKey(1), .control("a"))
        XCTAssertNil(Terminal.characterKey(0))
    }
}

final class InboxTests: XCTestCase {
    func testConsecutiveEngineEventsAreBatched() {
        let inbox = Inbox()
        inbox.push(.event(.phase(.running, reason: nil)))
        inbox.push(.event(.phase(.paused, reason: nil)))
        inbox.push(.interrupt)
        inbox.push(.event(.phase(.stopping, reason: nil)))
        let drained = inbox.drain()
        XCTAssertEqual(drained.count, 3)
        if case .events(let first) = drained[0] { XCTAssertEqual(first.count, 2) } else { XCTFail("\(drained[0])") }
        if case .interrupt = drained[1] {} else { XCTFail("\(drained[1])") }
        XCTAssertTrue(inbox.drain().isEmpty)
    }
}

final class DumbTerminalTests: XCTestCase {
    func testATerminalWithoutCursorAddressingIsRefused() {
        XCTAssertThrowsError(try Terminal(termType: "dumb", outputPath: "/dev/null", inputPath: "/dev/null"))
    }
}
