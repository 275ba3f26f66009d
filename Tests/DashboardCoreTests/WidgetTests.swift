import DashboardCore
import XCTest

/// Widgets painted into buffers pre-filled with `x`: a forgotten cell shows as `x`.
final class WidgetTests: XCTestCase {
    func testSparklineUsesEighthBlocksAndClearsTheRest() {
        var buf = xBuffer(10, 2)
        Sparkline([0, 1, 2, 3, 4, 5, 6, 7]).render(Rect(x: 0, y: 0, width: 10, height: 1), &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(trimTrailing: false), ["▁▂▃▄▅▆▇█  ", "xxxxxxxxxx"])
    }

    func testSparklineOfAFlatSeriesSitsInTheMiddle() {
        var buf = xBuffer(3, 1)
        Sparkline([5, 5, 5]).render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), ["▄▄▄"])
    }

    func testASharedRangeMakesRowsComparable() {
        var buf = xBuffer(3, 2)
        Sparkline([0, 0, 0], range: 0...1).render(buf.area.row(0), &buf, glyphs: .unicode)
        Sparkline([1, 0.5, 2], range: 0...1).render(buf.area.row(1), &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), ["▁▁▁", "█▅█"], "a curve stuck at 0 sits at the bottom; values past the range are clamped")
    }

    func testSparklineAveragesLongSeriesIntoTheWidth() {
        XCTAssertEqual(Sparkline.resample([1, 2, 3, 4], to: 2), [1.5, 3.5])
        XCTAssertEqual(Sparkline.resample([1, 2], to: 5), [1, 2])
        var buf = xBuffer(4, 1)
        Sparkline((0..<400).map(Double.init)).render(buf.area, &buf, glyphs: .ascii)
        XCTAssertEqual(buf.plainText(), ["_-+#"])
    }

    func testSparklineIgnoresNonFiniteValuesAndEmptySeries() {
        var buf = xBuffer(4, 1)
        Sparkline([.nan, 0, .infinity, 1]).render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(trimTrailing: false), ["▁█  "])
        var empty = xBuffer(3, 1)
        Sparkline([]).render(empty.area, &empty, glyphs: .unicode)
        XCTAssertEqual(empty.plainText(trimTrailing: false), ["   "])
    }

    func testGaugeHasEighthCellResolution() {
        var buf = xBuffer(4, 3)
        Gauge(fraction: 0.5).render(buf.area.row(0), &buf, glyphs: .unicode)
        Gauge(fraction: 0.3).render(buf.area.row(1), &buf, glyphs: .unicode)
        Gauge(fraction: 0.3).render(buf.area.row(2), &buf, glyphs: .ascii)
        XCTAssertEqual(buf.plainText(), ["██··", "█▎··", "#..."])
    }

    func testGaugeClampsAndDrawsItsLabelOnTop() {
        var buf = xBuffer(8, 2)
        Gauge(fraction: 2, label: "ok").render(buf.area.row(0), &buf, glyphs: .unicode)
        Gauge(fraction: -1, showsTrack: false).render(buf.area.row(1), &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(trimTrailing: false), ["███ok███", "        "])
        XCTAssertTrue(buf[3, 0].style.reverse, "label over the filled part is reversed to stay readable")
    }

    func testChartPaintsEveryCellOfItsArea() {
        var buf = xBuffer(20, 5)
        Chart([(1000, 0.1), (2000, 0.5), (3000, 0.9)]).render(buf.area, &buf, glyphs: .unicode)
        let text = buf.plainText(trimTrailing: false)
        XCTAssertFalse(text.joined().contains("x"), text.joined(separator: "\n"))
        XCTAssertEqual(text[0].prefix(4), "0.9│")
        XCTAssertEqual(text[3].prefix(4), "0.1│")
        XCTAssertEqual(text[4], "   └1000────────3000")
        // The highest point fills its columns to the top, the lowest shows a sliver.
        XCTAssertEqual(text[0].unicodeScalars.last, "█")
        XCTAssertEqual(text[3].unicodeScalars.dropFirst(4).first, "▁")
    }

    func testChartWithoutDataSaysSo() {
        var buf = xBuffer(14, 3)
        Chart([]).render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), ["no data yet", "", ""])
    }

    func testTableShowsTheSelectionAndRepairsTheScroll() {
        var buf = xBuffer(10, 4)
        let table = Table(columns: [TableColumn("a", width: 3), TableColumn("b", width: 4, alignRight: true)],
                          count: 10, scroll: TableScroll(selected: 5, offset: 0), sortedColumn: 1) { i in
            [.text("r\(i)"), .text("\(i * 10)")]
        }
        table.render(buf.area, &buf, glyphs: .unicode)
        XCTAssertEqual(buf.plainText(), ["a     b▲", "r3    30", "r4    40", "r5    50"])
        XCTAssertTrue(buf[0, 3].style.reverse, "the selected row is reversed")
        XCTAssertTrue(buf[9, 3].style.reverse, "across the whole width")
        XCTAssertFalse(buf[0, 2].style.reverse)
    }

    /// As a stateful widget the table hands back the position it drew: a stale one repaired.
    func testTableHandsBackTheRepairedScroll() {
        var buf = xBuffer(10, 4)
        let table = Table(columns: [TableColumn("a", width: 3)], count: 10, scroll: TableScroll()) { i in [.text("r\(i)")] }
        var scroll = TableScroll(selected: 50, offset: 0)
        table.render(buf.area, &buf, state: &scroll, glyphs: .unicode)
        XCTAssertEqual(scroll, TableScroll(selected: 9, offset: 7))
        XCTAssertEqual(buf.plainText().last, "r9")
    }

    func testTableScrollRepair() {
        XCTAssertEqual(TableScroll(selected: 50, offset: 0).repaired(count: 10, visible: 4), TableScroll(selected: 9, offset: 6))
        XCTAssertEqual(TableScroll(selected: 2, offset: 8).repaired(count: 10, visible: 4), TableScroll(selected: 2, offset: 2))
        XCTAssertEqual(TableScroll(selected: nil, offset: 9).repaired(count: 10, visible: 4), TableScroll(selected: nil, offset: 6))
        XCTAssertEqual(TableScroll(selected: 3, offset: 1).repaired(count: 0, visible: 4), TableScroll(selected: nil, offset: 0))
    }

    func testBlockDrawsItsBorderAndReturnsTheInside() {
        var buf = xBuffer(8, 4)
        let inner = Block(title: "abc").render(buf.area, &buf, glyphs: .ascii)
        XCTAssertEqual(inner, Rect(x: 1, y: 1, width: 6, height: 2))
        XCTAssertEqual(buf.plainText(), ["+ abc -+", "|      |", "|      |", "+------+"])
    }

    func testDialogIsCentredAndClearsWhatIsUnderIt() {
        var buf = xBuffer(20, 5)
        Dialog(title: "t", lines: [[Span("hi")]]).render(over: buf.area, &buf, glyphs: .ascii)
        XCTAssertEqual(buf.plainText(), ["xxxxxxxxxxxxxxxxxxxx", "xxxxxx+ t --+xxxxxxx", "xxxxxx| hi  |xxxxxxx", "xxxxxx+-----+xxxxxxx", "xxxxxxxxxxxxxxxxxxxx"])
    }
}
