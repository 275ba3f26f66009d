import Foundation
import HyperOpt

/// `trial_params.distribution_json` as Optuna writes and reads it.
enum DistributionJSON {
    /// The text Optuna 5 writes, attribute order included, so both tools write identical rows.
    static func encode(_ distribution: Distribution) -> String {
        switch distribution {
        case .float(let low, let high, let log, let step):
            return #"{"name": "FloatDistribution", "attributes": {"step": \#(step.map(number) ?? "null"), "low": \#(number(low)), "high": \#(number(high)), "log": \#(log)}}"#
        case .int(let low, let high, let log, let step):
            return #"{"name": "IntDistribution", "attributes": {"log": \#(log), "step": \#(step), "low": \#(low), "high": \#(high)}}"#
        case .categorical(let choices):
            return #"{"name": "CategoricalDistribution", "attributes": {"choices": [\#(choices.map(\.jsonText).joined(separator: ", "))]}}"#
        }
    }

    /// Reads current and pre-3.0 distribution names (Optuna still accepts the old ones).
    static func decode(_ text: String) -> Distribution? {
        guard let json = JSONValue.parse(text), let name = json["name"]?.string, let a = json["attributes"] else {
            return nil
        }
        func float(_ key: String) -> Double? { a[key]?.number }
        func int(_ key: String) -> Int? { a[key]?.int }
        func flag(_ key: String) -> Bool {
            if case .bool(true)? = a[key] { return true }
            return false
        }
        switch name {
        case "FloatDistribution":
            guard let low = float("low"), let high = float("high") else { return nil }
            return .float(low: low, high: high, log: flag("log"), step: float("step"))
        case "UniformDistribution":
            guard let low = float("low"), let high = float("high") else { return nil }
            return .float(low: low, high: high, log: false, step: nil)
        case "LogUniformDistribution":
            guard let low = float("low"), let high = float("high") else { return nil }
            return .float(low: low, high: high, log: true, step: nil)
        case "DiscreteUniformDistribution":
            guard let low = float("low"), let high = float("high"), let q = float("q") else { return nil }
            return .float(low: low, high: high, log: false, step: q)
        case "IntDistribution":
            guard let low = int("low"), let high = int("high") else { return nil }
            return .int(low: low, high: high, log: flag("log"), step: int("step") ?? 1)
        case "IntUniformDistribution":
            guard let low = int("low"), let high = int("high") else { return nil }
            return .int(low: low, high: high, log: false, step: int("step") ?? 1)
        case "IntLogUniformDistribution":
            guard let low = int("low"), let high = int("high") else { return nil }
            return .int(low: low, high: high, log: true, step: 1)
        case "CategoricalDistribution":
            guard case .array(let items)? = a["choices"] else { return nil }
            let choices = items.compactMap(\.paramValue)
            return choices.count == items.count && !choices.isEmpty ? .categorical(choices: choices) : nil
        default:
            return nil
        }
    }

    /// Python's `repr` of a float: `0.0001`, `1e-05`, `5.0`.
    private static func number(_ v: Double) -> String {
        ParamValue.float(v).jsonText
    }
}
