import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// The analysis views (importance, history, timeline, parallel coordinates, slices) as whole
/// screens at 80x24 and 120x40, in Unicode (Braille) and ASCII.
final class AnalysisScreenTests: XCTestCase {
    func screen(_ key: Character, _ size: Size, glyphs: Glyphs = .unicode) -> Buffer {
        var s = AnalysisFixture.state(size: size, glyphs: glyphs)
        _ = update(&s, .key(.char(key)))
        return render(s, size: size)
    }

    func testEveryViewAtBothSizes() {
        for view in AnalysisView.allCases {
            for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
                assertGolden(screen(view.key, size), "\(view.rawValue)-\(size.width)x\(size.height)")
            }
        }
    }

    func testASCIIFormsDrawNoUnicode() {
        for view in AnalysisView.allCases {
            let buf = screen(view.key, Size(width: 80, height: 24), glyphs: .ascii)
            assertGolden(buf, "\(view.rawValue)-ascii-80x24")
            XCTAssertTrue(buf.cells.allSatisfy { $0.char.isASCII }, "\(view.rawValue): ASCII mode drew a non-ASCII glyph")
        }
    }
}
