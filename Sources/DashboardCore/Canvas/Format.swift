import Foundation
import HyperOpt

/// Short, fixed-size text for numbers, durations and parameter values in narrow columns.
public enum Format {
    /// A number in at most `width` columns: `0.912`, `3.2e-4`, `12345`, `1.2e6`.
    public static func number(_ v: Double, width: Int = 7) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        if v == 0 { return "0" }
        let a = abs(v)
        if v == v.rounded(), a < 1e6 {
            let s = String(Int(v))
            if s.count <= width { return s }
        }
        if a >= 1e-3 && a < 1e6 {
            // Fixed point with as many decimals as fit, at most 4 significant digits after the point.
            let intDigits = a >= 1 ? Int(log10(a)) + 1 : 1
            let sign = v < 0 ? 1 : 0
            var decimals = max(0, width - intDigits - sign - 1)
            decimals = min(decimals, a >= 1 ? max(0, 4 - intDigits) : 4)
            // Below 1, fixed point must keep at least one significant digit, or 0.004 would read "0".
            let needed = a < 1 ? Int((-log10(a) - 1e-9).rounded(.up)) : 0
            let s = trimZeros(String(format: "%.\(decimals)f", v))
            if decimals >= needed, s.count <= width { return s }
        }
        for digits in stride(from: 3, through: 0, by: -1) {
            let s = scientific(v, digits: digits)
            if s.count <= width { return s }
        }
        return scientific(v, digits: 0)
    }

    /// `3.2e-4` rather than printf's `3.2e-04`.
    static func scientific(_ v: Double, digits: Int) -> String {
        let s = String(format: "%.\(digits)e", v)
        guard let e = s.firstIndex(of: "e") else { return s }
        let mantissa = trimZeros(String(s[..<e]))
        var exp = String(s[s.index(after: e)...])
        let negative = exp.hasPrefix("-")
        exp = String(exp.drop(while: { $0 == "+" || $0 == "-" || $0 == "0" }))
        if exp.isEmpty { exp = "0" }
        return mantissa + "e" + (negative ? "-" : "") + exp
    }

    private static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.last == "0" { t = t.dropLast() }
        if t.last == "." { t = t.dropLast() }
        return String(t)
    }

    /// A parameter value as a table cell: floats shortened, the rest as written.
    public static func param(_ value: ParamValue, width: Int = 7) -> String {
        switch value {
        case .float(let v): return number(v, width: width)
        case .int(let v): return number(Double(v), width: width)
        default: return value.description
        }
    }

    /// `45s`, `3m05s`, `1h02m`, `2d03h`.
    public static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return "-" }
        let s = max(0, Int(seconds.rounded(.down)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + pad2(s % 60) + "s" }
        if s < 86400 { return "\(s / 3600)h" + pad2(s / 60 % 60) + "m" }
        return "\(s / 86400)d" + pad2(s / 3600 % 24) + "h"
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// A percentage in at most 4 cells, as top writes it: `0.5`, `12`, `398`, `1234`.
    public static func percent(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        if v < 9.95 { return String(format: "%.1f", max(0, v)) }
        return String(Int(v.rounded()))
    }

    /// A size in bytes in at most 4 cells, in powers of 1024 as top writes them: `512K`, `130M`, `1.2G`, `14G`.
    public static func bytes(_ v: UInt64) -> String {
        if v == 0 { return "0" }
        let units = ["K", "M", "G", "T", "P"]
        var x = Double(v) / 1024
        var unit = 0
        while x >= 999.5 && unit < units.count - 1 {
            x /= 1024
            unit += 1
        }
        if x < 9.95 && unit > 0 { return String(format: "%.1f", x) + units[unit] }
        return String(Int(x.rounded())) + units[unit]
    }

    /// The terminal cells `text` takes (`CellWidth`): 2 for `中`, 0 for a combining accent.
    public static func width(_ text: String) -> Int { CellWidth.of(text) }

    /// `text` cut to `width` cells, ending in an ellipsis when cut; a wide character is never
    /// split (the ellipsis takes its place).
    public static func truncate(_ text: String, _ width: Int, ellipsis: Unicode.Scalar = "…") -> String {
        guard width > 0 else { return "" }
        guard CellWidth.of(text) > width else { return text }
        return prefix(text, cells: width - 1) + String(ellipsis)
    }

    /// `text` padded with spaces (or cut) to exactly `width` cells, right-aligned when asked; a
    /// wide character that would be split is a space instead.
    public static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let n = CellWidth.of(text)
        if n == width { return text }
        if n > width {
            let cut = prefix(text, cells: width)
            return cut + String(repeating: " ", count: width - CellWidth.of(cut))
        }
        let spaces = String(repeating: " ", count: width - n)
        return right ? spaces + text : text + spaces
    }

    /// The longest start of `text` that takes at most `cells` cells, with the zero-width
    /// characters that belong to its last character.
    public static func prefix(_ text: String, cells: Int) -> String {
        var out = String.UnicodeScalarView()
        var used = 0
        for u in text.unicodeScalars {
            let w = CellWidth.of(u)
            if used + w > cells { break }
            used += w
            out.append(u)
        }
        return String(out)
    }

    /// The last dotted component of a parameter key: `learning_rate` for `++algorithm.learning_rate`.
    public static func shortName(_ parameter: String) -> String {
        let key = Parameter.key(of: parameter)
        return key.split(separator: ".").last.map(String.init) ?? key
    }
}
