import Foundation

/// How processes are named to a person: signals by name, argv as a line to paste into a shell.
public enum ProcessText {
    /// `s` safe to print to a terminal: control characters (C0 but tab, DEL, C1) are shown as
    /// `\u{1B}` instead of being sent, so a name or a job's line cannot move the cursor, set
    /// the title or clear the screen.
    public static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if isControl(u) { out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u.value != 0x09) || (u.value >= 0x7F && u.value <= 0x9F)
    }

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
