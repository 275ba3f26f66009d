import Foundation

/// A parameter's value as the job receives it and as the user reads it.
public enum ParamValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case null
    /// A list choice, e.g. a `net_arch` of `[8, 8]` (Scilab-RL's configs have lists of lists).
    case list([ParamValue])
    /// A mapping choice, its keys in the order written.
    case mapping([Entry])

    public struct Entry: Sendable, Hashable, Codable {
        public var key: String
        public var value: ParamValue
        public init(_ key: String, _ value: ParamValue) {
            self.key = key
            self.value = value
        }
    }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return ParamValue.format(v)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let entries): return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// The numeric value, if there is one (ints and floats).
    public var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .float(let v): return v
        default: return nil
        }
    }

    /// Shortest decimal text that reads back as the same Double (Swift's description already is).
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }

    /// JSON text of this value (for $HYPERTOP_PARAMS, Optuna's choices and attributes). A
    /// non-finite float is written as Python's `json` writes and reads it (`Infinity`,
    /// `-Infinity`, `NaN`), so `.inf`, `-.inf` and `null` choices stay three values.
    public var jsonText: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : "\(v)"
        case .string(let s): return JSONText.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items): return "[" + items.map(\.jsonText).joined(separator: ", ") + "]"
        case .mapping(let entries): return JSONText.object(entries.map { ($0.key, $0.value.jsonText) })
        }
    }
}

/// A parameter's set of admissible values: Optuna's Float/Int/CategoricalDistribution.
public enum Distribution: Sendable, Hashable, Codable {
    case float(low: Double, high: Double, log: Bool, step: Double?)
    case int(low: Int, high: Int, log: Bool, step: Int)
    case categorical(choices: [ParamValue])

    /// Number of distinct values, or nil when continuous.
    public var cardinality: Int? {
        switch self {
        case .float(let low, let high, _, let step):
            guard let step else { return nil }
            // The tolerance goes in before rounding down: (0.3 - 0) / 0.1 is 2.9999999999999996, 4 values.
            return Int(((high - low) / step + 1e-9).rounded(.down)) + 1
        case .int(let low, let high, _, let step):
            return (high - low) / step + 1
        case .categorical(let choices):
            return choices.count
        }
    }

    /// The internal representation samplers work in (as Optuna stores `param_value`):
    /// floats and ints as numbers, a categorical as the index of its choice.
    public func toInternal(_ value: ParamValue) -> Double? {
        switch self {
        case .float, .int:
            return value.number
        case .categorical(let choices):
            return choices.firstIndex(of: value).map(Double.init)
        }
    }

    /// Inverse of `toInternal`; snaps to the grid and clamps to the bounds.
    public func toExternal(_ x: Double) -> ParamValue {
        switch self {
        case .float(let low, let high, _, let step):
            var v = x
            if let step { v = low + ((x - low) / step).rounded() * step }
            return .float(min(max(v, low), high))
        case .int(let low, let high, _, let step):
            let k = ((x - Double(low)) / Double(step)).rounded()
            let v = low + Int(k) * step
            return .int(min(max(v, low), high - (high - low) % step))
        case .categorical(let choices):
            let i = min(max(Int(x.rounded()), 0), choices.count - 1)
            return choices[i]
        }
    }

    /// Whether `value` is one this distribution can produce.
    public func contains(_ value: ParamValue) -> Bool {
        switch self {
        case .float(let low, let high, _, let step):
            guard let v = value.number, v >= low, v <= high else { return false }
            if let step {
                let k = (v - low) / step
                return abs(k - k.rounded()) < 1e-8
            }
            return true
        case .int(let low, let high, _, let step):
            guard case .int(let v) = value else { return false }
            return v >= low && v <= high && (v - low) % step == 0
        case .categorical(let choices):
            return choices.contains(value)
        }
    }
}

extension Distribution {
    /// The bounds of a numeric distribution as the unit interval sees them: in log space for a
    /// log distribution (when both ends are positive), nil for a categorical one.
    private var unitAxis: (low: Double, high: Double, log: Bool)? {
        switch self {
        case .float(let low, let high, let log, _): return (low, high, log && low > 0)
        case .int(let low, let high, let log, _): return (Double(low), Double(high), log && low > 0)
        case .categorical: return nil
        }
    }

    /// Where the number `x` lies between low (0) and high (1), in log space for a log
    /// distribution; not clamped, and 0.5 when low and high are one value. Nil for a categorical
    /// distribution. The GP's unit cube and the parallel-coordinates axes both place values by it.
    public func unitPosition(_ x: Double) -> Double? {
        guard let (low, high, log) = unitAxis else { return nil }
        guard high > low else { return 0.5 }
        if log && x > 0 { return (Foundation.log(x) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low)) }
        return (x - low) / (high - low)
    }

    /// The number at unit position `u`: the inverse of `unitPosition`, not snapped to the steps.
    public func value(atUnitPosition u: Double) -> Double? {
        guard let (low, high, log) = unitAxis else { return nil }
        if log { return exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low))) }
        return low + u * (high - low)
    }
}

public struct Parameter: Sendable, Hashable, Codable {
    /// The name as written in the config, e.g. `++algorithm.learning_rate`.
    public let name: String
    public let distribution: Distribution

    public init(name: String, distribution: Distribution) {
        self.name = name
        self.distribution = distribution
    }

    /// The dotted key without Hydra's `+`/`++`/`~` prefix, e.g. `algorithm.learning_rate`.
    public var key: String { Parameter.key(of: name) }

    /// `algorithm.learning_rate` for `++algorithm.learning_rate` (also `+`, `~` and none).
    public static func key(of override: String) -> String {
        String(override.drop(while: { $0 == "+" || $0 == "~" }))
    }
}

/// The parameters of a study, in config order.
public struct SearchSpace: Sendable, Hashable, Codable {
    public let parameters: [Parameter]

    public init(_ parameters: [Parameter]) {
        self.parameters = parameters
    }

    /// Number of distinct parameter sets, or nil when any parameter is continuous.
    public var cardinality: Int? {
        var total = 1
        for p in parameters {
            guard let c = p.distribution.cardinality else { return nil }
            let (r, overflow) = total.multipliedReportingOverflow(by: c)
            if overflow { return nil }
            total = r
        }
        return total
    }
}

/// One trial's parameter values, keyed by parameter name.
public typealias Params = [String: ParamValue]

extension SearchSpace {
    /// How this space differs from the one a study was recorded with, one phrase per parameter
    /// (empty when they are the same): a resumed study says so, since its recorded trials may
    /// hold values the new space no longer has.
    public func changes(since recorded: SearchSpace) -> [String] {
        let old = Dictionary(recorded.parameters.map { ($0.name, $0.distribution) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(parameters.map { ($0.name, $0.distribution) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        for p in recorded.parameters where new[p.name] == nil { out.append("`\(p.name)` was removed") }
        for p in parameters {
            guard let before = old[p.name] else {
                out.append("`\(p.name)` is new")
                continue
            }
            if before != p.distribution { out.append("`\(p.name)` was \(before.summary), is \(p.distribution.summary)") }
        }
        return out
    }
}

extension Distribution {
    /// A short statement of the distribution for messages, e.g. `float in [0.1, 1] (log)`.
    public var summary: String {
        switch self {
        case .float(let low, let high, let log, let step):
            return "float in [\(ParamValue.format(low)), \(ParamValue.format(high))]" + (log ? " (log)" : "") + (step.map { " step \(ParamValue.format($0))" } ?? "")
        case .int(let low, let high, let log, let step):
            return "int in [\(low), \(high)]" + (log ? " (log)" : "") + (step != 1 ? " step \(step)" : "")
        case .categorical(let choices):
            let shown = choices.prefix(8).map(\.description).joined(separator: ", ")
            return "choices [\(shown)\(choices.count > 8 ? ", … \(choices.count) in all" : "")]"
        }
    }
}

extension Distribution {
    /// How a form shows `value` so that `Parameter.parse` reads that very value back: as the table
    /// shows it (`adam`, `1`), or, where that text would be read as another choice (or as none),
    /// as JSON: a set of `"1"` and `1` shows `"1"` and `1`.
    public func formText(_ value: ParamValue) -> String {
        let plain = value.description
        guard case .categorical(let choices) = self, Distribution.choice(plain.trimmingCharacters(in: .whitespaces), of: choices) != value else {
            return plain
        }
        return value.jsonText
    }

    /// The choice `text` names: the one it is the JSON of (`"1"`, `1`), else the one it reads as
    /// in the table (`adam`).
    static func choice(_ text: String, of choices: [ParamValue]) -> ParamValue? {
        choices.first { $0.jsonText == text } ?? choices.first { $0.description == text }
    }
}

extension Parameter {
    /// The value `text` stands for in this parameter's space, or why it is none: a number in
    /// range (on the step) for a numeric parameter, one of the choices (as written) otherwise.
    public func parse(_ text: String) -> Result<ParamValue, ParseProblem> {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch distribution {
        case .float(let lo, let hi, _, _):
            guard let v = Double(t), v.isFinite else { return .failure(ParseProblem("\(name): `\(t)` is not a number")) }
            let value = ParamValue.float(v)
            guard distribution.contains(value) else { return .failure(ParseProblem("\(name): \(t) is outside \(lo)...\(hi)\(stepText)")) }
            return .success(value)
        case .int(let lo, let hi, _, _):
            guard let v = Int(t) else { return .failure(ParseProblem("\(name): `\(t)` is not an integer")) }
            let value = ParamValue.int(v)
            guard distribution.contains(value) else { return .failure(ParseProblem("\(name): \(t) is outside \(lo)...\(hi)\(stepText)")) }
            return .success(value)
        case .categorical(let choices):
            if let c = Distribution.choice(t, of: choices) { return .success(c) }
            return .failure(ParseProblem("\(name): `\(t)` is not one of \(choices.map(distribution.formText).joined(separator: ", "))"))
        }
    }

    private var stepText: String {
        switch distribution {
        case .float(_, _, _, let step?): return " in steps of \(step)"
        case .int(_, _, _, let step) where step > 1: return " in steps of \(step)"
        default: return ""
        }
    }
}

public struct ParseProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ text: String) { description = text }
}
