import DashboardCore
import XCTest

/// The one text field every form types into: editing at the cursor, its limits, and how it draws
/// the cursor.
final class TextFieldTests: XCTestCase {
    func edit(_ field: inout TextField, _ keys: [Key]) {
        for key in keys { XCTAssertTrue(field.edit(key), "\(key) is an editing key") }
    }

    func testTypesAtTheCursorAndMovesIt() {
        var f = TextField("ac")
        XCTAssertEqual(f.cursor, 2, "a field starts with the cursor after its text")
        edit(&f, [.left, .char("b")])
        XCTAssertEqual(f.text, "abc")
        XCTAssertEqual(f.cursor, 2)
        edit(&f, [.home, .char(">"), .end, .char("<")])
        XCTAssertEqual(f.text, ">abc<")
        edit(&f, [.right, .right])
        XCTAssertEqual(f.cursor, 5, "Right stops at the end")
        edit(&f, [.home, .left, .left])
        XCTAssertEqual(f.cursor, 0, "Left stops at the start")
    }

    func testBackspaceAndDeleteRemoveOnEitherSide() {
        var f = TextField("abcd")
        edit(&f, [.left, .left, .backspace])
        XCTAssertEqual(f.text, "acd")
        XCTAssertEqual(f.cursor, 1)
        edit(&f, [.delete])
        XCTAssertEqual(f.text, "ad")
        XCTAssertEqual(f.cursor, 1)
        edit(&f, [.end, .delete, .home, .backspace])
        XCTAssertEqual(f.text, "ad", "nothing to remove past either end")
        edit(&f, [.delete, .delete, .delete])
        XCTAssertTrue(f.isEmpty)
        XCTAssertEqual(f, "", "an emptied field equals an empty one")
    }

    func testLimitAndAcceptedCharacters() {
        var f = TextField()
        for c in "1x23" + "4" { f.edit(.char(c), limit: 3, accepts: \.isNumber) }
        XCTAssertEqual(f.text, "123", "digits only, at most three")
    }

    func testKeysThatBelongToTheFormAreLeftToIt() {
        var f: TextField = "x"
        for key in [Key.enter, .escape, .tab, .backTab, .up, .down, .pageUp, .function(1)] {
            XCTAssertFalse(f.edit(key), "\(key)")
        }
        XCTAssertEqual(f, "x")
    }

    func testDrawsTheCursor() {
        let f = TextField("abc")
        XCTAssertEqual(f.spans().map(\.text), ["abc", "_"], "after the end: an underscore")
        var g = f
        g.edit(.left)
        let spans = g.spans()
        XCTAssertEqual(spans.map(\.text), ["ab", "c", ""], "inside: the character under it")
        XCTAssertTrue(spans[1].style.reverse)
        XCTAssertEqual(TextField().spans(placeholder: Span("1")).map(\.text), ["1", "_"])
        XCTAssertEqual(TextField().spans().map(\.text), ["", "_"])
    }

    /// Left and Home in a note move the cursor: a word typed there goes into the middle.
    func testANoteIsEditedInTheMiddle() {
        var s = Fixture.state()
        for key in [Key.char("N")] + "flaky node".map { Key.char($0) } + Array(repeating: .left, count: 4) + "big ".map { Key.char($0) } {
            _ = update(&s, .key(key))
        }
        XCTAssertEqual(s.overlay, .note(trial: nil, draft: TextField("flaky big node").moved(to: 10)))
        XCTAssertEqual(update(&s, .key(.enter)), [.saveNote(trial: nil, body: "flaky big node", base: "")])
    }
}

extension TextField {
    func moved(to cursor: Int) -> TextField {
        var f = self
        f.edit(.home)
        for _ in 0..<cursor { f.edit(.right) }
        return f
    }
}
