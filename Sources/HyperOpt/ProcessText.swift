import Foundation

/// How processes are named to a person: signals by name, argv as a line to paste into a shell.
public enum ProcessText {
    /// `SIGTERM` for 15, nil for a number without a common name.
    public static func signalName(_ s: Int32) -> String? {
        [1: "SIGHUP", 2: "SIGINT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"][s]
    }

    /// POSIX shell quoting: plain words stay as they are.
    public static func shellQuote(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+./:=@%,")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// An argv as one pasteable shell line.
    public static func commandLine(_ argv: [String]) -> String {
        argv.map(shellQuote).joined(separator: " ")
    }
}
