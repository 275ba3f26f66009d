import Foundation
import HyperOpt

/// A JSON value read exactly as written: `3` stays an integer and `3.0` a float, which
/// Foundation's parsers blur. Optuna's `distribution_json` and `value_json` need that
/// distinction (a categorical choice of 3 is not 3.0).
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }

    var int: Int? {
        switch self {
        case .int(let v): return v
        case .double(let v) where v == v.rounded() && abs(v) < 9e15: return Int(v)
        default: return nil
        }
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The parameter value this JSON stands for (categorical choices may be lists and mappings).
    var paramValue: ParamValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .double(let v): return .float(v)
        case .string(let s): return .string(s)
        case .array(let items):
            let values = items.compactMap(\.paramValue)
            return values.count == items.count ? .list(values) : nil
        case .object(let pairs):
            let entries = pairs.compactMap { key, value in value.paramValue.map { ParamValue.Entry(key, $0) } }
            return entries.count == pairs.count ? .mapping(entries) : nil
        }
    }

    static func parse(_ text: String) -> JSONValue? {
        var parser = JSONParser(bytes: Array(text.utf8))
        guard let value = parser.value() else { return nil }
        parser.skipSpace()
        return parser.atEnd ? value : nil
    }
}

/// Strict JSON as Python's `json` reads it: its grammar (no leading zeros, trailing commas or bad
/// escapes), plus bare `NaN`, `Infinity` and `-Infinity`; a number past a double's range is
/// infinite; a lone surrogate escape becomes U+FFFD.
private struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    /// Arrays and objects nested deeper than this are refused (Python's limit is about 1,000).
    static let maxDepth = 512

    var atEnd: Bool { i >= bytes.count }
    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func take(_ c: UInt8) -> Bool {
        guard peek == c else { return false }
        i += 1
        return true
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    mutating func value(depth: Int = 0) -> JSONValue? {
        skipSpace()
        guard depth <= Self.maxDepth, let c = peek else { return nil }
        switch c {
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if take(UInt8(ascii: "]")) { return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? .array(items) : nil
            }
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(String, JSONValue)] = []
            skipSpace()
            if take(UInt8(ascii: "}")) { return .object(pairs) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")), let v = value(depth: depth + 1) else { return nil }
                pairs.append((key, v))
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? .object(pairs) : nil
            }
        default:
            return number()
        }
    }

    /// A number in JSON's grammar, `NaN`, `Infinity` or `-Infinity`. An integer stays `.int` when it fits.
    mutating func number() -> JSONValue? {
        if literal("NaN") { return .double(.nan) }
        if literal("Infinity") { return .double(.infinity) }
        if literal("-Infinity") { return .double(-.infinity) }
        let start = i
        var j = i, isFloat = false
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
        guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
        if bytes[j] == UInt8(ascii: "0") { j += 1 } else { while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 } }
        if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
            isFloat = true
            j += 1
            guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
            while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 }
        }
        if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
            isFloat = true
            j += 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
            while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 }
        }
        let text = String(decoding: bytes[start..<j], as: UTF8.self)
        i = j
        if !isFloat, let v = Int(text) { return .int(v) }
        // Swift's conversion rounds correctly and gives ±infinity past the double's range.
        return Double(text).map(JSONValue.double)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// A string, with its escapes decoded; raw control characters and unknown escapes are refused.
    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b < 0x20 { return nil }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard let e = peek else { return nil }
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                // A surrogate pair (Python's json.dumps escapes non-ASCII this way).
                if (0xD800..<0xDC00).contains(scalar), i + 5 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                   bytes[i + 1] == UInt8(ascii: "u") {
                    let resume = i
                    i += 2
                    if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = resume
                    }
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count, bytes[i..<(i + 4)].allSatisfy({ Self.hex($0) }),
              let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
        i += 4
        return v
    }

    static func hex(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }
}
