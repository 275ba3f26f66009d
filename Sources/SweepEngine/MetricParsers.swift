import Foundation
import HyperOpt

/// Keys that give a row its step, in order of preference.
let stepKeys = ["step", "time/total_timesteps", "global_step", "timesteps", "epoch"]

func rowWithStep(_ values: [String: Double]) -> MetricRow {
    let step = stepKeys.lazy.compactMap { values[$0] }.first.flatMap { $0.isFinite ? Int(exactly: $0.rounded()) : nil }
    return MetricRow(step: step, values: values)
}

/// One JSON object per line: `{"step": 2000, "eval/success_rate": 0.4}`, read as Python's `json`
/// reads it: bare `NaN`, `Infinity` and `-Infinity` are numbers, a number too large for a double
/// (`1e309`) is infinite, and of a key given twice the last value counts. Only numbers become
/// metrics. A byte-level reader: a job logging a million rows is parsed in about a second.
enum JSONLinesParser {
    /// nil for a malformed line; .some(nil) for a line that carries no numbers.
    static func parse(_ line: String) -> MetricRow?? {
        var line = line
        return line.withUTF8 { bytes -> MetricRow?? in
            var reader = Reader(bytes: bytes)
            reader.skipSpace()
            if reader.atEnd { return .some(nil) }
            guard let values = reader.object(), reader.skipSpace(), reader.atEnd else { return nil }
            return .some(values.isEmpty ? nil : rowWithStep(values))
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        /// Arrays and objects nested deeper than this are refused (Python's limit is about 1,000).
        static let maxDepth = 512

        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        @discardableResult
        mutating func skipSpace() -> Bool {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
            return true
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

        /// The top-level object: its number members (the last of a repeated key wins).
        mutating func object() -> [String: Double]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var values: [String: Double] = [:]
            skipSpace()
            if take(UInt8(ascii: "}")) { return values }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                if let n = number() {
                    values[key] = n
                } else {
                    guard skipValue(depth: 1) else { return nil }
                    values[key] = nil
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? values : nil
            }
        }

        /// A number, `NaN`, `Infinity` or `-Infinity`; nil (and nothing consumed) for anything else.
        mutating func number() -> Double? {
            let start = i
            if literal("NaN") { return .nan }
            if literal("Infinity") { return .infinity }
            if literal("-Infinity") { return -.infinity }
            var j = i
            if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
            guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
            if bytes[j] == UInt8(ascii: "0") { j += 1 } else { while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 } }
            if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
                j += 1
                guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
                while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 }
            }
            if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
                j += 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
                guard j < bytes.count, Self.isDigit(bytes[j]) else { return nil }
                while j < bytes.count, Self.isDigit(bytes[j]) { j += 1 }
            }
            // Swift's conversion rounds correctly and gives ±infinity past the double's range.
            guard let value = Double(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<j]), as: UTF8.self)) else {
                return nil
            }
            i = j
            return value
        }

        static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

        /// A string, with its escapes decoded.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            var plain = true
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    i += 1
                    return plain ? String(decoding: raw, as: UTF8.self) : Self.unescape(raw)
                }
                if c < 0x20 { return nil }
                if c == UInt8(ascii: "\\") {
                    plain = false
                    i += 1
                    guard let e = peek else { return nil }
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 1
                    case UInt8(ascii: "u"):
                        guard i + 4 < bytes.count, (1...4).allSatisfy({ Self.hex(bytes[i + $0]) != nil }) else { return nil }
                        i += 5
                    default:
                        return nil
                    }
                    continue
                }
                i += 1
            }
            return nil
        }

        static func hex(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: return UInt32(c - 0x30)
            case 0x41...0x46: return UInt32(c - 0x41 + 10)
            case 0x61...0x66: return UInt32(c - 0x61 + 10)
            default: return nil
            }
        }

        /// The text of a string body already checked by `string()`. A lone surrogate becomes U+FFFD.
        static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var k = 0
            func code(at p: Int) -> UInt32 { (1...4).reduce(0) { $0 << 4 | (hex(raw[p + $1]) ?? 0) } }
            while k < raw.count {
                let c = raw[k]
                guard c == UInt8(ascii: "\\") else { out.append(c); k += 1; continue }
                let e = raw[k + 1]
                k += 2
                switch e {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = code(at: k - 1)
                    k += 4
                    if (0xD800..<0xDC00).contains(scalar), k + 5 < raw.count, raw[k] == UInt8(ascii: "\\"), raw[k + 1] == UInt8(ascii: "u") {
                        let low = code(at: k + 1)
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            k += 6
                        }
                    }
                    out.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(e)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Any JSON value, checked and passed over.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth <= Self.maxDepth, let c = peek else { return false }
            switch c {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                let isObject = c == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                i += 1
                skipSpace()
                if take(close) { return true }
                while true {
                    skipSpace()
                    if isObject {
                        guard string() != nil else { return false }
                        skipSpace()
                        guard take(UInt8(ascii: ":")) else { return false }
                        skipSpace()
                    }
                    guard number() != nil || skipValue(depth: depth + 1) else { return false }
                    skipSpace()
                    if take(UInt8(ascii: ",")) { continue }
                    return take(close)
                }
            default:
                return number() != nil
            }
        }
    }
}

/// stable-baselines3's CSV logger: a header line, then one row per dump; empty cells are absent
/// values. SB3 rewrites the whole file when a new key appears, so a rewind re-reads the header and
/// skips the rows already delivered.
struct CSVProgressParser {
    private var header: [String]?
    private var rowsDelivered = 0
    private var rowsSeenSinceRewind = 0

    mutating func rewind() {
        header = nil
        rowsSeenSinceRewind = 0
    }

    /// nil for a malformed line; .some(nil) for a line that carries no row.
    mutating func parse(_ line: String) -> MetricRow?? {
        if line.trimmingCharacters(in: .whitespaces).isEmpty { return .some(nil) }
        let fields = Self.split(line)
        guard let header else {
            self.header = fields
            return .some(nil)
        }
        guard fields.count == header.count else { return nil }
        rowsSeenSinceRewind += 1
        if rowsSeenSinceRewind <= rowsDelivered { return .some(nil) }
        rowsDelivered += 1
        var values: [String: Double] = [:]
        for (k, f) in zip(header, fields) {
            let t = f.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            if let v = Double(t) { values[k] = v } else if let v = Self.special[t.lowercased()] { values[k] = v }
        }
        return .some(values.isEmpty ? nil : rowWithStep(values))
    }

    static let special: [String: Double] = ["nan": .nan, "inf": .infinity, "-inf": -.infinity, "infinity": .infinity, "-infinity": -.infinity]

    /// Comma-separated fields; double quotes group a field that holds commas.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for c in line {
            if c == "\"" { quoted.toggle() } else if c == "," && !quoted {
                fields.append(current)
                current = ""
            } else { current.append(c) }
        }
        fields.append(current)
        return fields
    }
}

/// A job's stdout: stable-baselines3's human table (a row per table) and `key=value` lines.
struct StdoutMetricParser {
    private var inTable = false
    private var section = ""
    private var pending: [String: Double] = [:]

    /// Longer lines are neither table rows nor `key=value` metrics, and are passed over unread.
    static let longestMetricLine = 4096

    mutating func parse(_ line: String) -> MetricRow? {
        guard line.utf8.count <= Self.longestMetricLine else {
            inTable = false
            pending = [:]
            return nil
        }
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.count >= 3, t.allSatisfy({ $0 == "-" }) {
            defer { pending = [:]; section = "" }
            if inTable && !pending.isEmpty {
                inTable = false
                return rowWithStep(pending)
            }
            inTable = true
            return nil
        }
        if inTable, t.hasPrefix("|"), t.hasSuffix("|") {
            let cells = t.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count == 2 else { return nil }
            let rawKey = cells[0]
            let key = rawKey.trimmingCharacters(in: .whitespaces)
            let value = cells[1].trimmingCharacters(in: .whitespaces)
            if key.hasSuffix("/") && value.isEmpty {
                section = key
            } else if let v = Double(value) ?? CSVProgressParser.special[value.lowercased()] {
                let indented = rawKey.hasPrefix("  ")
                pending[indented ? section + key : key] = v
            }
            return nil
        }
        if inTable { inTable = false; pending = [:] }
        return Self.keyValue(t)
    }

    /// `name=value` with a numeric value, e.g. `hyperopt_score=0.42` or `eval/success_rate=0.8`.
    static func keyValue(_ t: String) -> MetricRow? {
        guard let eq = t.firstIndex(of: "="), eq != t.startIndex else { return nil }
        let key = t[..<eq], value = t[t.index(after: eq)...]
        guard key.allSatisfy({ $0.isLetter || $0.isNumber || "_./-".contains($0) }),
              let v = Double(value) ?? CSVProgressParser.special[value.lowercased()] else { return nil }
        return rowWithStep([String(key): v])
    }
}
