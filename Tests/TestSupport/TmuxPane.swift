import Foundation

/// A tmux session running one command in a 120x40 pane: send keys, read the screen.
public final class TmuxPane {
    public let session: String
    public static let tmuxPath = "/usr/bin/tmux"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: tmuxPath) }

    public init(prefix: String) {
        session = "\(prefix)-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    }

    deinit { try? tmux("kill-session", "-t", session) }

    /// Runs tmux without capturing its output: `new-session` leaves a server behind that would
    /// hold a pipe open forever.
    public func tmux(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tmuxPath)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// Starts the pane with `command` (a shell command line). When no tmux server runs yet,
    /// `new-session` forks one that would inherit the descriptor Foundation watches to learn that
    /// the child exited, and the wait would never end; bash closes every descriptor above stderr first.
    public func start(_ command: String, width: Int = 120, height: Int = 40) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@""#,
                       "bash", Self.tmuxPath, "new-session", "-d", "-s", session, "-x", String(width), "-y", String(height), command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// The pane's text (with `escapes`, its colours as ANSI sequences).
    public func screen(escapes: Bool = false) throws -> String {
        try output(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", session])
    }

    /// What a tmux command prints (its errors dropped).
    private func output(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tmuxPath)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// One of the pane's variables as tmux's `display -p` prints it: `pane_tty` (the terminal's
    /// device), `alternate_on` (1 while a full-screen program's screen is shown), `cursor_flag`
    /// (1 while the cursor is visible).
    public func variable(_ name: String) throws -> String {
        try output(["display-message", "-p", "-t", session, "#{\(name)}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until the screen contains `text`; returns the last screen and whether it appeared.
    public func waitFor(_ text: String, seconds: Double = 8) throws -> (found: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if last.contains(text) { return (true, last) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (false, last)
    }

    public func keys(_ keys: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tmuxPath)
        p.arguments = ["send-keys", "-t", session] + keys
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }
}
