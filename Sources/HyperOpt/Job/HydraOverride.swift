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
        case .list(let items): return "[" + items.map(text).joined(separator: ",") + "]"
        case .mapping(let entries): return "{" + entries.map { keyText($0.key) + ":" + text($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// A mapping key inside a Hydra dict value: the grammar allows no quotes there, so its
    /// special characters are escaped with a backslash.
    static func keyText(_ key: String) -> String {
        var out = ""
        for ch in key {
            if " :,=\\[]{}()'\"".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Hydra reads an unquoted value as a number (`10_000` too), bool or null when it looks like
    /// one, and gives `,[]{}()'"=`, `~`, `${` and whitespace their own meaning; anything else plain
    /// stays a plain string.
    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty { return true }
        let lowered = s.lowercased()
        if ["true", "false", "null", "nan", "inf", "-inf", "+inf"].contains(lowered) { return true }
        let digits = s.replacingOccurrences(of: "_", with: "")
        if Double(digits) != nil || Int(digits) != nil { return true }
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+./:@%*?|")
        return !s.allSatisfy { plain.contains($0) }
    }

    /// Single quotes, as Hydra's grammar reads them: `'` is written `\'`; a backslash is literal
    /// except before a quote or the end, where it is doubled; `${` is escaped so that it is not
    /// interpolated.
    static func quote(_ s: String) -> String {
        var out = "'"
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            var run = 0
            while i + run < chars.count, chars[i + run] == "\\" { run += 1 }
            let next = i + run
            let special = next == chars.count || chars[next] == "'" || (chars[next] == "$" && next + 1 < chars.count && chars[next + 1] == "{")
            out += String(repeating: "\\", count: special ? 2 * run : run)
            i = next
            guard i < chars.count else { break }
            if chars[i] == "'" {
                out += "\\'"
            } else if chars[i] == "$" && special {
                out += "\\$"
            } else {
                out.append(chars[i])
            }
            i += 1
        }
        return out + "'"
    }
}
