import Foundation
import XCTest

/// The runner in a real terminal: `dashboard-bench live` (the runner on a synthetic sweep whose
/// engine answers pause and stop like the real one) in a tmux pane, driven with send-keys.
final class RunnerEndToEndTests: XCTestCase {
    private var session = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (apt-get install tmux)")
        }
        guard FileManager.default.isExecutableFile(atPath: bench.path) else {
            throw XCTSkip("\(bench.path) is not built (swift build --product dashboard-bench)")
        }
        session = "hypertop-runner-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    }

    override func tearDown() {
        try? tmux("kill-session", "-t", session)
    }

    private var bench: URL {
        let me = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("dashboard-bench")
    }

    /// Runs tmux without capturing its output: `new-session` leaves a server behind that would
    /// hold a pipe open forever.
    private func tmux(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// Starts the pane. When no tmux server runs yet, `new-session` forks one that would inherit
    /// the descriptor Foundation watches to learn that the child exited, and the wait would never
    /// end; bash closes every descriptor above stderr first.
    private func start(_ args: String) throws {
        let command = "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(bench.path) live \(args); echo EXITED; sleep 60"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@""#,
                       "bash", "/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// The pane's text. Capturing through a pipe is safe here: the server already runs.
    private func screen() throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        p.arguments = ["capture-pane", "-p", "-t", session]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until the screen contains `text`; fails with the screen if it never does.
    @discardableResult
    private func waitFor(_ text: String, seconds: Double = 8, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if last.contains(text) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("'\(text)' never appeared; the screen:\n\(last)", file: file, line: line)
        return last
    }

    private func keys(_ keys: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        p.arguments = ["send-keys", "-t", session] + keys
        try p.run()
        p.waitUntilExit()
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
        XCTAssertTrue(unwrapped.contains("effects: [DashboardCore.DashboardEffect.togglePause, DashboardCore.DashboardEffect.togglePause, DashboardCore.DashboardEffect.toggleStop]"), end)
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
        try tmux("resize-window", "-t", session, "-x", "70", "-y", "20")
        try waitFor("terminal too small: 70x20", seconds: 2)
        try tmux("resize-window", "-t", session, "-x", "80", "-y", "24")
        let screen = try waitFor("score by parameter", seconds: 2)
        XCTAssertTrue(screen.split(separator: "\n").first?.hasSuffix("RUNNING") ?? false, screen)
        try keys("q", "k")
        try waitFor("exit: quitAndKill")
    }

    func testAnIdleDashboardSleeps() throws {
        try start("--trials 24 --idle --watch")
        try waitFor("score by parameter")
        Thread.sleep(forTimeInterval: 5)
        try keys("q")
        let end = try waitFor("EXITED")
        let line = end.split(separator: "\n").first { $0.hasPrefix("cpu ") }.map(String.init) ?? ""
        let fields = line.split(separator: " ")
        let cpu = fields.count > 1 ? Double(fields[1]) : nil
        let wall = fields.count > 4 ? Double(fields[4]) : nil
        let share = (cpu ?? 1) / max(wall ?? 1, 0.001)
        XCTAssertLessThan(share, 0.05, "an idle dashboard used \(line)")
    }
}
