import Foundation
import TestSupport
import XCTest

/// The runner in a real terminal: `dashboard-bench live` (the runner on a synthetic sweep whose
/// engine answers pause and stop like the real one) in a tmux pane, driven with send-keys.
final class RunnerEndToEndTests: XCTestCase {
    private var pane: TmuxPane!

    override func setUpWithError() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        guard FileManager.default.isExecutableFile(atPath: bench.path) else {
            throw missingTool("\(bench.path) is not built (swift build --product dashboard-bench)")
        }
        pane = TmuxPane(prefix: "hypertop-runner")
    }

    override func tearDown() {
        pane = nil
    }

    private var bench: URL {
        let me = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("dashboard-bench")
    }

    private func start(_ args: String) throws {
        try pane.start("env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(bench.path) live \(args); echo EXITED; sleep 60")
    }

    /// Waits until the screen contains `text`; fails with the screen if it never does.
    @discardableResult
    private func waitFor(_ text: String, seconds: Double = 8, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (found, screen) = try pane.waitFor(text, seconds: seconds)
        XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
        return screen
    }

    private func keys(_ keys: String...) throws {
        for k in keys { try pane.keys(k) }
    }

    func testKeysActAndQuittingRestoresTheTerminal() throws {
        try start("--trials 12 --refresh 5")
        try waitFor("score by parameter")
        // The refresh is 5 s: everything below must show long before a tick would draw it.
        try keys("j", "j", "Enter")
        try waitFor("trial 2  repeat 0", seconds: 2)
        try keys("Escape")
        try waitFor("score by parameter", seconds: 2)
        try keys("p")
        try waitFor("PAUSED", seconds: 2)
        try keys("p")
        try waitFor("pause file removed", seconds: 2)
        try keys("s")
        try waitFor("STOPPING", seconds: 2)
        try keys("q")
        try waitFor("the study is still running", seconds: 2)
        try keys("s")
        let end = try waitFor("EXITED")
        XCTAssertTrue(end.contains("exit: quitAndStop"), end)
        let unwrapped = end.replacingOccurrences(of: "\n", with: "")
        XCTAssertTrue(unwrapped.contains("effects: [DashboardCore.DashboardEffect.command(HyperOpt.StudyCommand.togglePause), DashboardCore.DashboardEffect.command(HyperOpt.StudyCommand.togglePause), DashboardCore.DashboardEffect.command(HyperOpt.StudyCommand.toggleStop)]"), end)
        XCTAssertFalse(end.contains("score by parameter"), "the shell's screen is back")
    }

    func testCtrlCLeavesThroughTheNormalPath() throws {
        try start("--trials 5")
        try waitFor("score by parameter")
        try keys("C-c")
        let end = try waitFor("EXITED")
        XCTAssertTrue(end.contains("exit: interrupted"), end)
    }

    func testResizeRedrawsAndATinyTerminalIsTold() throws {
        try start("--trials 5 --refresh 5")
        try waitFor("score by parameter")
        try pane.tmux("resize-window", "-t", pane.session, "-x", "70", "-y", "20")
        try waitFor("terminal too small: 70x20", seconds: 2)
        try pane.tmux("resize-window", "-t", pane.session, "-x", "80", "-y", "24")
        let screen = try waitFor("score by parameter", seconds: 2)
        XCTAssertTrue(screen.split(separator: "\n").first?.hasSuffix("RUNNING") ?? false, screen)
        try keys("q", "k")
        try waitFor("exit: quitAndKill")
    }
}
