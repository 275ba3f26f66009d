import Foundation

/// A value as Hydra's override grammar reads it.
public enum HydraValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// A bare word or a quoted string; `quoted` remembers which, since '1' is a string and 1 a number.
    case string(String, quoted: Bool)

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f): return String(f)
        case .string(let s, let quoted): return quoted ? "'\(s)'" : s
        }
    }

    /// Reads an unquoted value: null, booleans in any case, integers (with `_` separators), floats
    /// (including `1e-3`, `.5`, `inf`, `nan`), otherwise a bare string.
    public static func plain(_ text: String) -> HydraValue {
        let lower = text.lowercased()
        if lower == "null" { return .null }
        if lower == "true" { return .bool(true) }
        if lower == "false" { return .bool(false) }
        let digits = text.replacingOccurrences(of: "_", with: "")
        if isInteger(text), let i = Int(digits) { return .int(i) }
        switch lower {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if isFloat(text), let f = Double(digits) { return .float(f) }
        return .string(text, quoted: false)
    }

    private static func isInteger(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        return !body.isEmpty && body.first != "_" && body.last != "_" && !body.contains("__")
            && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
    }

    /// `[+-]? (digits '.' digits? | '.' digits | digits) ([eE] [+-]? digits)?`, with a '.' or an exponent.
    private static func isFloat(_ text: String) -> Bool {
        var s = Substring(text)
        if s.first == "+" || s.first == "-" { s = s.dropFirst() }
        let mantissaEnd = s.firstIndex { $0 == "e" || $0 == "E" } ?? s.endIndex
        let mantissa = s[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.contains(where: { !$0.isEmpty }),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") } }) else { return false }
        if mantissaEnd == s.endIndex { return parts.count == 2 }
        var exponent = s[s.index(after: mantissaEnd)...]
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// One command-line override, `key=value`, `+key=value` or `++key=value`, checked for syntax only.
public struct HydraOverride: Sendable, Equatable {
    public enum Prefix: String, Sendable { case none = "", add = "+", force = "++" }

    public let text: String
    public let prefix: Prefix
    public let key: String
    public let value: HydraValue

    public init(parsing text: String) throws(TrainerError) {
        self.text = text
        var rest = Substring(text)
        if rest.hasPrefix("++") {
            prefix = .force
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("+") {
            prefix = .add
            rest = rest.dropFirst()
        } else {
            prefix = .none
        }
        guard let equals = rest.firstIndex(of: "=") else {
            throw .malformedOverride(text, reason: "it has no '=' (write key=value)")
        }
        key = String(rest[..<equals]).trimmingCharacters(in: .whitespaces)
        guard Self.isValidKey(key) else {
            if key.hasPrefix("~") {
                throw .malformedOverride(text, reason: "deleting a key with '~' is not supported")
            }
            throw .malformedOverride(text, reason: "'\(key)' is not a key (letters, digits and '_', dot-separated)")
        }
        value = try Self.parseValue(rest[rest.index(after: equals)...], override: text)
    }

    static func isValidKey(_ key: String) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        return !key.isEmpty && parts.allSatisfy { part in
            guard let first = part.first, first.isLetter || first == "_" else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
    }

    private static func parseValue(_ raw: Substring, override text: String) throws(TrainerError) -> HydraValue {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if let quote = value.first, quote == "'" || quote == "\"" {
            return .string(try unquote(value, quote: quote, override: text), quoted: true)
        }
        if value.contains("${") {
            throw .malformedOverride(text, reason: "interpolations (${...}) are not supported")
        }
        if value.contains(",") || value.contains("(") {
            throw .malformedOverride(text, reason: "it is a sweep (a,b or choice/range/interval); reach-trainer runs one job, "
                                     + "put sweeps in the config's search_space")
        }
        if let bad = value.first(where: { "[]{}()'\"".contains($0) }) {
            throw .malformedOverride(text, reason: "'\(bad)' is not allowed in an unquoted value (lists and dicts are not "
                                     + "supported; quote the value if it is a string)")
        }
        return HydraValue.plain(value)
    }

    /// Content of a quoted value; a backslash escapes the quote character or a backslash.
    private static func unquote(_ value: String, quote: Character, override text: String) throws(TrainerError) -> String {
        var out = ""
        var index = value.index(after: value.startIndex)
        while index < value.endIndex {
            let c = value[index]
            if c == "\\", value.index(after: index) < value.endIndex,
               value[value.index(after: index)] == quote || value[value.index(after: index)] == "\\" {
                out.append(value[value.index(after: index)])
                index = value.index(index, offsetBy: 2)
                continue
            }
            if c == quote {
                guard value.index(after: index) == value.endIndex else {
                    throw .malformedOverride(text, reason: "there is text after the closing quote")
                }
                return out
            }
            out.append(c)
            index = value.index(after: index)
        }
        throw .malformedOverride(text, reason: "the quote \(quote) is not closed")
    }
}
