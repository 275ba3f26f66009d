import Foundation

/// Writes parameter values as Hydra command-line overrides (`++algorithm.learning_rate=0.0012`).
public enum HydraOverride {
    /// `name=value`, the value quoted per Hydra's override grammar where it would not read back as itself.
    public static func argument(name: String, value: ParamValue) -> String {
        "\(name)=\(text(value))"
    }

    public static func text(_ value: ParamValue) -> String {
        switch value {
        case .int(let v): return String(v)
        case .float(let v):
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            return "\(v)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .string(let s): return needsQuotes(s) ? quote(s) : s
        }
    }

    /// Hydra reads an unquoted value as a number, bool or null when it looks like one, and gives
    /// `,[]{}()'"=` and whitespace their own meaning; anything else plain stays a plain string.
    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty { return true }
        let lowered = s.lowercased()
        if ["true", "false", "null", "nan", "inf", "-inf", "+inf"].contains(lowered) { return true }
        if Double(s) != nil || Int(s) != nil { return true }
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+./:@%$*?~|\\")
        return !s.allSatisfy { plain.contains($0) } || s.hasPrefix("~") || s.hasPrefix("$")
    }

    /// Single quotes; a quote or backslash inside is escaped with a backslash.
    static func quote(_ s: String) -> String {
        var out = "'"
        for ch in s {
            if ch == "'" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "'"
    }
}
