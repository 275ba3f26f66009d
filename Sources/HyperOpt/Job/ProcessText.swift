import Foundation

/// How processes are named to a person: signals by name, argv as a line to paste into a shell.
public enum ProcessText {
    /// `s` safe to print to a terminal: control characters (C0 but tab, DEL, C1) and bidi
    /// controls are shown as `\u{1B}`, `\u{202E}` instead of being sent, so a name or a job's
    /// line cannot move the cursor, set the title, clear the screen or reverse the text after it.
    /// The one judge of what may reach a terminal: the dashboard's `Buffer` asks `isControl` too.
    public static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if isControl(u) { out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// A character no text from a user or a store may send raw to a terminal: C0 but tab, DEL,
    /// C1, and the bidi controls (embeddings, overrides and isolates U+202A–U+202E,
    /// U+2066–U+2069; the marks U+200E, U+200F, U+061C), which reorder what is drawn after them.
    public static func isControl(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x7F { return v < 0x20 && v != 0x09 }
        return v <= 0x9F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0x061C
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
