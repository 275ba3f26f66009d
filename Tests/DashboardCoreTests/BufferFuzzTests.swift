import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// Random text (wide, combining, control, bidi, emoji) painted at random places, seeded
/// (HYPERTOP_FUZZ_SEED) and bounded (HYPERTOP_FUZZ_SCALE; `scripts/fuzz.sh` runs a long one):
/// the buffer stays what the terminal can draw.
final class BufferFuzzTests: XCTestCase {
    static var seed: UInt64 { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261207 }
    static var scale: Int { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SCALE"].flatMap(Int.init) ?? 1 }

    static let pieces: [String] = [
        "a", "Z", " ", "中", "文", "研究", "β", "é", "e\u{301}", "\u{301}", "\u{308}\u{301}", "😀", "x😀", "👨\u{200D}👩", "\u{FE0F}",
        "\u{202E}", "\u{202A}", "\u{2066}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}", "\u{1B}", "\u{1B}]0;t\u{7}", "\u{9B}", "\u{7F}",
        "\t", "\n", "\u{0}", "ｱ", "Ｗ", "한", "\u{1160}", "\u{AD}", "\u{2028}", "\u{E000}", "\u{10FFFF}", "\u{378}",
    ]

    func testPaintingAnyTextKeepsTheBufferDrawable() {
        var g = SeededGenerator(seed: Self.seed)
        for round in 0..<(300 * Self.scale) {
            let width = Int.random(in: 1...14, using: &g), height = Int.random(in: 1...3, using: &g)
            var buf = Buffer(width: width, height: height, fill: Cell("x"))
            for _ in 0..<Int.random(in: 1...8, using: &g) {
                let text = (0..<Int.random(in: 0...6, using: &g)).map { _ in Self.pieces.randomElement(using: &g)! }.joined()
                let x = Int.random(in: -3...width, using: &g), y = Int.random(in: -1...height, using: &g)
                switch Int.random(in: 0..<4, using: &g) {
                case 0:
                    buf.set(x, y, "s", .plain)
                case 1:
                    buf.fill(Rect(x: x, y: y, width: Int.random(in: 0...4, using: &g), height: 1), with: Cell("f"))
                default:
                    let maxWidth = Int.random(in: 0...16, using: &g)
                    let used = buf.put(Format.truncate(text, Int.random(in: 0...8, using: &g)), x: x, y: y, maxWidth: maxWidth)
                    XCTAssertLessThanOrEqual(used, maxWidth, "round \(round): \(text.debugDescription)")
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    let cell = buf[x, y]
                    if cell.isContinuation {
                        XCTAssertTrue(x > 0 && CellWidth.of(buf[x - 1, y].char) == 2 && !buf[x - 1, y].isContinuation,
                                      "round \(round): a continuation without its wide character at \(x),\(y): \(buf.plainText())")
                    } else {
                        XCTAssertFalse(CellWidth.isBlank(cell.char), "round \(round): a control in a cell: \(buf.plainText())")
                        if CellWidth.of(cell.char) == 2 {
                            XCTAssertTrue(x + 1 < width && buf[x + 1, y].isContinuation,
                                          "round \(round): a wide character without its continuation at \(x),\(y): \(buf.plainText())")
                        }
                    }
                    XCTAssertLessThanOrEqual(buf.marks(x, y).count, 4)
                    XCTAssertTrue(buf.marks(x, y).allSatisfy { CellWidth.of($0) == 0 })
                }
                let line = buf.plainText(trimTrailing: false)[y]
                XCTAssertEqual(Format.width(line), width, "round \(round): row \(y) is \(line.debugDescription)")
            }
        }
    }
}
