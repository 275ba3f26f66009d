import Foundation

public enum MetricValue: Sendable, Equatable {
    case int(Int)
    case float(Double)

    public var double: Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        }
    }

    /// Python's str(): what stable-baselines3 writes into progress.csv.
    var csvText: String {
        switch self {
        case .int(let i): return String(i)
        case .float(let f): return f.description
        }
    }

    /// JSON has no NaN or infinity: those become null.
    var jsonText: String {
        switch self {
        case .int(let i): return String(i)
        case .float(let f): return f.isFinite ? f.description : "null"
        }
    }

    /// SB3's human format: floats as "%-8.3g", integers as they are.
    var humanText: String {
        switch self {
        case .int(let i): return String(i)
        case .float(let f): return String(format: "%-8.3g", f)
        }
    }
}

/// The metrics of one evaluation, in sorted key order as stable-baselines3 dumps them.
public struct MetricRecord: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: MetricValue)]

    public init(_ values: [String: MetricValue]) {
        entries = values.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    public subscript(key: String) -> MetricValue? { entries.first { $0.key == key }?.value }

    public static func == (a: MetricRecord, b: MetricRecord) -> Bool {
        a.entries.elementsEqual(b.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    public var csvHeader: String { entries.map(\.key).joined(separator: ",") }
    public var csvRow: String { entries.map(\.value.csvText).joined(separator: ",") }

    public var jsonLine: String {
        "{" + entries.map { "\"\(jsonEscaped($0.key))\": \($0.value.jsonText)" }.joined(separator: ", ") + "}"
    }

    /// stable-baselines3's HumanOutputFormat: a "tag/" row per group, its keys indented by three spaces,
    /// columns padded to the widest key and value, framed by dashes.
    public var humanTable: String {
        var rows: [(key: String, value: String)] = []
        var tag = ""
        for (key, value) in entries {
            var shown = key
            if let slash = key.firstIndex(of: "/"), slash != key.startIndex {
                let keyTag = String(key[...slash])
                if keyTag != tag {
                    tag = keyTag
                    rows.append((tag, ""))
                }
                shown = "   " + key[key.index(after: slash)...]
            }
            rows.append((shown, value.humanText))
        }
        let keyWidth = rows.map(\.key.count).max() ?? 0
        let valueWidth = rows.map(\.value.count).max() ?? 0
        let dashes = String(repeating: "-", count: keyWidth + valueWidth + 7)
        var lines = [dashes]
        for row in rows {
            let keyPad = String(repeating: " ", count: keyWidth - row.key.count)
            let valuePad = String(repeating: " ", count: valueWidth - row.value.count)
            lines.append("| \(row.key)\(keyPad) | \(row.value)\(valuePad) |")
        }
        lines.append(dashes)
        return lines.joined(separator: "\n") + "\n"
    }
}

private func jsonEscaped(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
