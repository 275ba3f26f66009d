import DashboardCore
import Foundation
import XCTest

/// Compares a buffer's text with `Goldens/<name>.txt`. With RECORD_GOLDENS=1 in the environment
/// the file is (re)written instead; a missing file is written and the test fails once.
func assertGolden(_ buffer: Buffer, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
        .appendingPathComponent("Goldens").appendingPathComponent(name + ".txt")
    let actual = buffer.plainText().joined(separator: "\n") + "\n"
    let record = ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            XCTFail("cannot write golden \(url.path): \(error)", file: file, line: line)
        }
        if !record { XCTFail("golden \(name) was missing and has been recorded; check it and re-run", file: file, line: line) }
        return
    }
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDiff = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        XCTFail("""
            screen differs from golden \(name) at line \(firstDiff + 1) (RECORD_GOLDENS=1 re-records):
            expected: \(firstDiff < e.count ? String(e[firstDiff]) : "<end>")
            actual:   \(firstDiff < a.count ? String(a[firstDiff]) : "<end>")
            --- actual screen ---
            \(actual)
            """, file: file, line: line)
    }
}

/// A buffer pre-filled with `x`, so a widget that forgets a cell shows it.
func xBuffer(_ width: Int, _ height: Int) -> Buffer {
    Buffer(width: width, height: height, fill: Cell("x"))
}
