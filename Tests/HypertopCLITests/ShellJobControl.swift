import Foundation
import TestSupport
import XCTest

/// Ctrl-Z, then `fg`, under a dashboard started from an interactive shell in a tmux pane (issue 27,
/// M1): shared by `run`'s dashboard (a stand-in in the terminal, the engine in a child) and
/// `attach`'s (one process).
enum ShellJobControl {
    /// The pane's shell: bash without start files, its prompt `shell> `.
    static let shell = "env PS1='shell> ' bash --norc"

    /// With the dashboard on screen (`dashboard`: text only it shows): Ctrl-Z gives the shell its
    /// screen, line mode, echo and cursor back; what is typed there is the shell's (`s` and `q`
    /// would stop or quit the study if the dashboard read them); `fg` draws the dashboard whole in
    /// its own modes, keys act at once, and keys typed ahead of the redraw are dropped (`s`).
    /// Ends with the dashboard on screen.
    static func check(_ pane: TmuxPane, dashboard: String, file: StaticString = #filePath, line: UInt = #line) throws {
        func expect(_ text: String, seconds: Double = 8) throws -> String {
            let (found, screen) = try pane.waitFor(text, seconds: seconds)
            XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
            return screen
        }
        func has(_ flag: String, _ text: String) -> Bool {
            text.range(of: #"(^|\s)"# + NSRegularExpression.escapedPattern(for: flag) + #"(\s|$)"#, options: .regularExpression) != nil
        }
        try pane.keys("C-z")
        let stopped = try expect("Stopped")
        XCTAssertFalse(stopped.contains(dashboard), "the shell's own screen is back, not the dashboard's:\n\(stopped)", file: file, line: line)
        XCTAssertEqual(try pane.variable("alternate_on"), "0", "the dashboard left the alternate screen", file: file, line: line)
        XCTAssertEqual(try pane.variable("cursor_flag"), "1", "the cursor shows again", file: file, line: line)
        try pane.keys("stty -a; jobs; s; q", "Enter")
        let shell = try expect("q: command not found")
        XCTAssertTrue(has("icanon", shell) && has("echo", shell), "line mode and echo are back:\n\(shell)", file: file, line: line)

        let tty = try pane.variable("pane_tty")
        try pane.keys("fg", "Enter", "s")
        _ = try expect(dashboard, seconds: 5)
        XCTAssertEqual(try pane.variable("alternate_on"), "1", file: file, line: line)
        let modes = try runProgram("/bin/stty", ["-a", "-F", tty]).stdout
        XCTAssertTrue(has("-icanon", modes) && has("-echo", modes), "the dashboard reads keys one by one, unechoed:\n\(modes)", file: file, line: line)
        try pane.keys("?")
        _ = try expect("any key closes this help", seconds: 3)
        try pane.keys("Escape")
        let back = try expect(dashboard, seconds: 3)
        XCTAssertFalse(back.contains("STOPPING"), "no typed key stopped the study:\n\(back)", file: file, line: line)
    }
}
