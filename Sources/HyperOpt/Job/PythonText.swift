import Foundation

/// A value as Python writes it, for the words W&B's agent builds from a sweep's values: `str()`
/// in `${args}` (`True`, `None`, `[1, 'a']`, `{'lr': 0.1}`) and `json.dumps` with its defaults
/// in `${args_json}` (`", "` and `": "` between items, everything past ASCII escaped).
public enum PythonText {
    /// `str(value)`: a string as it is, anything else as its `repr`.
    public static func str(_ value: ParamValue) -> String {
        if case .string(let s) = value { return s }
        return repr(value)
    }

    /// `repr(value)`, as Python writes the items of a list or a dict.
    public static func repr(_ value: ParamValue) -> String {
        switch value {
        case .int(let v): return String(v)
        case .float(let v): return float(v)
        case .string(let s): return repr(s)
        case .bool(let b): return b ? "True" : "False"
        case .null: return "None"
        case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .mapping(let entries): return "{" + entries.map { repr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// `float.__repr__`: the shortest text that reads back as the same double (Swift's
    /// description has the same digits), in exponent form below 1e-4 and from 1e16 on (Swift's
    /// switches at 2^53 already), `nan`, `inf`, `-inf`.
    public static func float(_ v: Double) -> String {
        let text = v.description
        guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]), (-4..<16).contains(exponent) else { return text }
        let negative = text.hasPrefix("-")
        let mantissa = text[text.index(text.startIndex, offsetBy: negative ? 1 : 0)..<e]
        let digits = mantissa.filter { $0 != "." }
        // d.ddd × 10^exponent written out: the point moves exponent + 1 digits in.
        let point = exponent + 1
        var out: String
        if point <= 0 {
            out = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out = digits + String(repeating: "0", count: point - digits.count) + ".0"
        } else {
            out = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        return (negative ? "-" : "") + out
    }

    /// `repr(str)`: in single quotes, or double quotes when the text holds a single quote and no
    /// double one; backslash, the quote, tab, newline and return escaped, and every character
    /// Python does not print as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
    public static func repr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += hexEscape(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// `str.isprintable` for one character: the space, and every character outside the
    /// categories Python treats as unprintable (controls, formats, surrogates, private use,
    /// unassigned, and the separators other than the space).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func hexEscape(_ scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        if v < 0x100 { return "\\x" + hex(v, digits: 2) }
        if v < 0x10000 { return "\\u" + hex(v, digits: 4) }
        return "\\U" + hex(v, digits: 8)
    }

    static func hex(_ v: UInt32, digits: Int) -> String {
        let text = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// `json.dumps(value)` with Python's defaults: `", "` and `": "` between items, floats as
    /// their repr (`NaN`, `Infinity`, `-Infinity` for the non-finite), and `ensure_ascii`:
    /// every character outside space...`~` escaped, past the BMP as a surrogate pair.
    public static func json(_ value: ParamValue) -> String {
        switch value {
        case .int(let v): return String(v)
        case .float(let v): return v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : float(v)
        case .string(let s): return json(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case .mapping(let entries): return "{" + entries.map { json($0.key) + ": " + json($0.value) }.joined(separator: ", ") + "}"
        }
    }

    static func json(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += "\\u" + hex(UInt32(unit), digits: 4)
            }
        }
        return out + "\""
    }
}
