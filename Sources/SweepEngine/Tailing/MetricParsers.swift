import Foundation
import HyperOpt

/// Keys that give a row its step, in order of preference.
let stepKeys = ["step", "time/total_timesteps", "global_step", "timesteps", "epoch"]

/// Of those, the ones that only count rows: when such a key gives a row of several values its
/// step, it is the row's step and not a metric of its own (nobody charts `step` against itself).
/// stable-baselines3's `time/total_timesteps` is a logged quantity and stays a metric.
let indexKeys: Set<String> = ["step", "global_step", "epoch"]

func rowWithStep(_ values: [String: Double]) -> MetricRow {
    guard let key = stepKeys.first(where: { values[$0] != nil }), let value = values[key] else { return MetricRow(step: nil, values: values) }
    let step = value.isFinite ? Int(exactly: value.rounded()) : nil
    var values = values
    if step != nil, indexKeys.contains(key), values.count > 1 { values[key] = nil }
    return MetricRow(step: step, values: values)
}

/// One JSON object per line: `{"step": 2000, "eval/success_rate": 0.4}`, read as Python's `json`
/// reads it (see `JSONValue.parse`): bare `NaN`, `Infinity` and `-Infinity` are numbers, `1e309`
/// is infinite, and of a key given twice the last value counts. Only numbers become metrics.
enum JSONLinesParser {
    /// nil for a malformed line; .some(nil) for a line that carries no numbers.
    static func parse(_ line: String) -> MetricRow?? {
        if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return .some(nil) }
        guard case .object(let pairs)? = JSONValue.parse(line) else { return nil }
        var values: [String: Double] = [:]
        for (key, value) in pairs { values[key] = value.number }
        return .some(values.isEmpty ? nil : rowWithStep(values))
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
            if key.isEmpty {
                // A row without a name is no metric.
            } else if key.hasSuffix("/") && value.isEmpty {
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
