import DashboardCore
import XCTest

final class CanvasTests: XCTestCase {
    func testPutClipsAtTheEdgeAndAtMaxWidth() {
        var buf = xBuffer(6, 2)
        XCTAssertEqual(buf.put("abcdefgh", x: 2, y: 0), 4)
        XCTAssertEqual(buf.put("abcdef", x: 0, y: 1, maxWidth: 3), 3)
        XCTAssertEqual(buf.plainText(), ["xxabcd", "abcxxx"])
        XCTAssertEqual(buf.put("zz", x: 0, y: 5), 0, "a row outside the buffer paints nothing")
    }

    func testWideControlAndCombiningCharacters() {
        var buf = xBuffer(8, 1)
        buf.put("a\u{4E2D}b\te\u{301}!", x: 0, y: 0)
        // CJK takes two cells, a tab is a blank, the combining accent joins its letter.
        XCTAssertEqual(buf.plainText(), ["a\u{4E2D}b e\u{301}!x"])
    }

    func testPlainTextTrimsTrailingSpacesOnlyWhenAsked() {
        var buf = Buffer(width: 4, height: 1)
        buf.put("ab", x: 0, y: 0)
        XCTAssertEqual(buf.plainText(), ["ab"])
        XCTAssertEqual(buf.plainText(trimTrailing: false), ["ab  "])
    }

    func testFillAndSetStyleStayInsideTheBuffer() {
        var buf = xBuffer(4, 3)
        buf.fill(Rect(x: 2, y: 1, width: 10, height: 10), with: Cell("."))
        buf.setStyle(Rect(x: -1, y: 0, width: 2, height: 1), Style(bold: true))
        XCTAssertEqual(buf.plainText(), ["xxxx", "xx..", "xx.."])
        XCTAssertTrue(buf[0, 0].style.bold)
        XCTAssertFalse(buf[1, 0].style.bold)
    }

    func testSplitWithLengthsAndFill() {
        let parts = Rect(x: 0, y: 0, width: 100, height: 5).split(.horizontal, [.length(10), .fill(1), .length(20)])
        XCTAssertEqual(parts.map(\.width), [10, 70, 20])
        XCTAssertEqual(parts.map(\.x), [0, 10, 80])
        let spaced = Rect(x: 0, y: 0, width: 100, height: 5).split(.horizontal, [.length(10), .fill(1), .length(20)], spacing: 1)
        XCTAssertEqual(spaced.map(\.width), [10, 68, 20])
        XCTAssertEqual(spaced.map(\.x), [0, 11, 80])
    }

    func testSplitWeightsPercentagesAndMinimums() {
        let area = Rect(x: 0, y: 3, width: 10, height: 100)
        XCTAssertEqual(area.split(.vertical, [.fill(1), .fill(3)]).map(\.height), [25, 75])
        XCTAssertEqual(area.split(.vertical, [.percentage(30), .fill(1)]).map(\.height), [30, 70])
        XCTAssertEqual(area.split(.vertical, [.min(30), .fill(1)]).map(\.height), [65, 35])
        XCTAssertEqual(area.split(.vertical, [.length(60), .length(60)]).map(\.height), [60, 40], "the last part shrinks first")
        XCTAssertEqual(area.split(.vertical, [.length(1), .fill(1)]).map(\.y), [3, 4])
    }

    func testNumbersStayShort() {
        XCTAssertEqual(Format.number(0.912), "0.912")
        XCTAssertEqual(Format.number(3.2e-4), "3.2e-4")
        XCTAssertEqual(Format.number(1e-4), "1e-4")
        XCTAssertEqual(Format.number(12345), "12345")
        XCTAssertEqual(Format.number(1.5e6), "1.5e6")
        XCTAssertEqual(Format.number(123.456789), "123.5")
        XCTAssertEqual(Format.number(0.123456), "0.1235")
        XCTAssertEqual(Format.number(-0.5), "-0.5")
        XCTAssertEqual(Format.number(.nan), "nan")
        XCTAssertEqual(Format.number(0.000123456, width: 5), "1e-4")
        XCTAssertEqual(Format.number(0.0047, width: 4), "5e-3", "never rounded to a bare 0")
        XCTAssertEqual(Format.number(0.0047, width: 5), "0.005")
        XCTAssertEqual(Format.number(0.001, width: 5), "0.001")
        for v in [1e-9, 0.5, 77.7777, 9.87654e5, -1.234e-7, 3e12] {
            XCTAssertLessThanOrEqual(Format.number(v, width: 6).count, 6, "\(v) -> \(Format.number(v, width: 6))")
        }
    }

    func testDurationsAndTruncation() {
        XCTAssertEqual(Format.duration(45), "45s")
        XCTAssertEqual(Format.duration(185), "3m05s")
        XCTAssertEqual(Format.duration(3720), "1h02m")
        XCTAssertEqual(Format.duration(2 * 86400 + 3 * 3600), "2d03h")
        XCTAssertEqual(Format.truncate("abcdef", 4), "abc…")
        XCTAssertEqual(Format.truncate("abcd", 4), "abcd")
        XCTAssertEqual(Format.pad("ab", 4, right: true), "  ab")
        XCTAssertEqual(Format.shortName("++algorithm.learning_rate"), "learning_rate")
    }
}
