import Foundation
import Yams

/// One `search_space` parameter's keys as its table reads them; `low`, `high`, `step` and
/// `choices` are read once `type` says what they are.
struct ParameterKeys {
    let name: String
    var type = ""
    var typeNode: Node?
    var log = false
    var low: Node?
    var high: Node?
    var step: Node?
    var choices: Node?
}

/// The search space: Scilab-RL's `search_space` (a mapping per parameter) and the upstream
/// plugin's `params` (Hydra's sweep grammar).
extension ConfigLoader {
    static let parameterKeys = KeyTable<ParameterKeys>("hydra.sweeper.search_space.<key>", [
        .init("type", "float, int or categorical", absent: { yaml, node, p in
            throw yaml.error(node, "parameter `\(p.name)` needs `type`.")
        }) { yaml, v, p in
            p.type = try yaml.string(v, "type")
            p.typeNode = v
        },
        .init("low", "the range's least value (float and int)") { _, v, p in p.low = v },
        .init("high", "the range's greatest value, included (float and int)") { _, v, p in p.high = v },
        .init("log", "true: sampled on a log scale, low > 0 (default false)") { yaml, v, p in p.log = try yaml.bool(v, "log") },
        .init("step", "the grid's spacing, which must divide the range (float and int; ignored with log)") { _, v, p in p.step = v },
        .init("choices", "the values of a categorical parameter, a list (a value may be a list or a mapping)") { _, v, p in p.choices = v },
    ])

    static func searchSpace(_ node: Node, yaml: YAMLReader) throws -> SearchSpace {
        let map = try yaml.mapping(node, "`search_space`")
        var params: [Parameter] = []
        for (k, v) in map {
            let name = try yaml.string(k, "a search_space key")
            let bare = Parameter.key(of: name)
            if bare.isEmpty || bare.contains("=") || bare.contains(where: \.isWhitespace) || bare.first?.isNumber == true {
                throw yaml.error(k, "search_space key `\(name)` is not a Hydra override key like `++algorithm.learning_rate`.")
            }
            if params.contains(where: { $0.name == name }) {
                throw yaml.error(k, "parameter `\(name)` is defined twice in search_space.")
            }
            params.append(Parameter(name: name, distribution: try distribution(v, name: name, yaml: yaml)))
        }
        if params.isEmpty {
            throw yaml.error(node, "search_space is empty; add at least one parameter, e.g. `++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}`.")
        }
        return SearchSpace(params)
    }

    /// `params:`: each key a sweep in Hydra's grammar (`SweepGrammar`), or one value that every
    /// trial gets as a fixed override.
    static func readParams(_ paramsNode: Node, yaml: YAMLReader, into s: inout SweeperSettings) throws {
        for (k, v) in try yaml.mapping(paramsNode, "`params`") {
            let name = try yaml.string(k, "a params key")
            if s.parameters.contains(where: { $0.name == name }) {
                throw yaml.error(k, "parameter `\(name)` is defined twice (in search_space and params).")
            }
            guard let scalar = v.scalar else {
                throw yaml.error(v, "params `\(name)` must be a sweep such as `interval(0.001, 1.0)` or `choice(a, b)`, or one value.")
            }
            if !scalar.string.contains("(") {
                let value = try yaml.configValue(v)
                s.fixed.append(name + "=" + HydraOverride.text(value))
                s.fixedValues.append(ParamValue.Entry(Parameter.key(of: name), value))
                continue
            }
            do {
                switch try SweepGrammar.parse(scalar.string) {
                case .parameter(let d): s.parameters.append(Parameter(name: name, distribution: d))
                case .fixed(let value):
                    s.fixed.append(name + "=" + HydraOverride.text(value))
                    s.fixedValues.append(ParamValue.Entry(Parameter.key(of: name), value))
                }
            } catch {
                throw yaml.error(v, "params `\(name)`: \(error.message).")
            }
        }
    }

    static func distribution(_ node: Node, name: String, yaml: YAMLReader) throws -> Distribution {
        var p = ParameterKeys(name: name)
        try parameterKeys.read(try yaml.mapping(node, "parameter `\(name)`"), at: node, yaml, place: "in parameter `\(name)`", into: &p)
        let (type, typeNode, log) = (p.type, p.typeNode ?? node, p.log)
        func required(_ value: Node?, _ key: String) throws -> Node {
            guard let value else { throw yaml.error(node, "parameter `\(name)` needs `\(key)`.") }
            return value
        }
        switch type {
        case "float":
            let lowNode = try required(p.low, "low")
            let highNode = try required(p.high, "high")
            let low = try yaml.double(lowNode, "low", positive: false), high = try yaml.double(highNode, "high", positive: false)
            if low > high { throw yaml.error(lowNode, "parameter `\(name)`: low (\(low)) is greater than high (\(high)).") }
            if log && low <= 0 { throw yaml.error(lowNode, "parameter `\(name)`: a log range needs low > 0 (got \(low)).") }
            var step: Double?
            if let s = p.step {
                let st = try yaml.double(s, "step", positive: true)
                let values = (high - low) / st
                if !(values < Self.maxExactInteger) {
                    throw yaml.error(s, "parameter `\(name)`: step \(st) makes \(values) values of \(low)...\(high); use a larger step or none.")
                }
                if log {
                    yaml.warn(s, "parameter `\(name)`: `step` is ignored with `log: true`, as Scilab-RL's sweeper does.")
                    return .float(low: low, high: high, log: true, step: nil)
                }
                let k = (high - low) / st
                if abs(k - k.rounded()) > 1e-8 * max(1, k) {
                    throw yaml.error(s, "parameter `\(name)`: step \(st) does not divide the range \(low)...\(high); choose a step that does.")
                }
                step = st
            }
            return .float(low: low, high: high, log: log, step: step)
        case "int":
            let lowNode = try required(p.low, "low")
            let highNode = try required(p.high, "high")
            let low = try yaml.int(lowNode, "low"), high = try yaml.int(highNode, "high")
            if low > high { throw yaml.error(lowNode, "parameter `\(name)`: low (\(low)) is greater than high (\(high)).") }
            for (node, v) in [(lowNode, low), (highNode, high)] where abs(Double(v)) > Self.maxExactInteger {
                throw yaml.error(node, "parameter `\(name)`: \(v) is beyond ±2^53, the largest whole numbers the samplers hold exactly; narrow the range.")
            }
            if log && low <= 0 { throw yaml.error(lowNode, "parameter `\(name)`: a log range needs low > 0 (got \(low)).") }
            var step = 1
            if let s = p.step {
                step = try yaml.int(s, "step", min: 1)
                if log && step != 1 {
                    yaml.warn(s, "parameter `\(name)`: `step` is ignored with `log: true`, as Scilab-RL's sweeper does.")
                    step = 1
                }
                if (high - low) % step != 0 {
                    throw yaml.error(s, "parameter `\(name)`: step \(step) does not divide the range \(low)...\(high); choose a step that does.")
                }
            }
            return .int(low: low, high: high, log: log, step: step)
        case "categorical":
            let choicesNode = try required(p.choices, "choices")
            guard let seq = choicesNode.sequence else {
                throw yaml.error(choicesNode, "parameter `\(name)`: `choices` must be a list, e.g. [min, max].")
            }
            var choices: [ParamValue] = []
            var seen = Set<ParamValue>()
            var sawNaN = false
            for c in seq {
                let v = try yaml.configValue(c)
                let isNaN = v.number?.isNaN == true
                if isNaN ? sawNaN : !seen.insert(v).inserted { throw yaml.error(c, "parameter `\(name)`: choice `\(v)` is listed twice.") }
                sawNaN = sawNaN || isNaN
                choices.append(v)
            }
            if choices.isEmpty { throw yaml.error(choicesNode, "parameter `\(name)`: `choices` is empty; list at least one value.") }
            return .categorical(choices: choices)
        default:
            throw yaml.error(typeNode, "parameter `\(name)`: type `\(type)` is not float, int or categorical.")
        }
    }
}
