import Foundation

/// Minimal JSON text helpers for the few places that write JSON by hand (order-stable output).
public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// A number at full precision. JSON has none for ±inf and NaN: they are the strings "Infinity",
    /// "-Infinity" and "NaN", which Python's `float()`, JavaScript's `Number()` and
    /// `pandas.read_json` read back as the values (null would lose them).
    public static func number(_ v: Double) -> String {
        v.isFinite ? "\(v)" : quote(v.isNaN ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
    }

    /// `{"a": 1, "b": "x"}` with keys in the given order.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\(quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A params dictionary as JSON, keys in search-space order.
    public static func params(_ params: Params, order: SearchSpace) -> String {
        object(order.parameters.compactMap { p in params[p.name].map { (p.name, $0.jsonText) } })
    }
}
