import Foundation
import Yams

/// One W&B parameter's keys as its table reads them: each kept as its node, read once its
/// distribution says what it is.
struct WandbParameterKeys {
    var nodes: [String: Node] = [:]
}

/// A W&B sweep's `parameters:` as hypertop runs them: the search space, the constants every
/// trial gets, and the path of each name that nesting made.
struct WandbSpace {
    var parameters: [Parameter] = []
    var constants: [ParamValue.Entry] = []
    var paths: [String: [String]] = [:]
    /// Where each name was defined, to refuse a second definition.
    var defined: Set<String> = []
}

/// What one W&B parameter becomes: a value every trial gets, or a search dimension.
enum WandbParameter: Equatable {
    case constant(ParamValue)
    case sampled(Distribution)
}

/// W&B's parameters (`parameters:` of a sweep file): every distribution of W&B's schema, mapped
/// to Optuna's Float/Int/Categorical distribution where that draws the same values the same
/// way, and refused at its line, with what to write instead, where none does.
extension ConfigLoader {
    /// W&B's distributions, each with its required and optional keys (`schema.json`).
    static let wandbDistributions: [(name: String, required: [String], optional: [String])] = [
        ("constant", ["value"], []),
        ("categorical", ["values"], []),
        ("categorical_w_probabilities", ["values", "probabilities"], []),
        ("int_uniform", ["min", "max"], []),
        ("uniform", ["min", "max"], []),
        ("q_uniform", ["min", "max"], ["q"]),
        ("log_uniform", ["min", "max"], []),
        ("log_uniform_values", ["min", "max"], []),
        ("q_log_uniform", ["min", "max"], ["q"]),
        ("q_log_uniform_values", ["min", "max"], ["q"]),
        ("inv_log_uniform", ["min", "max"], []),
        ("inv_log_uniform_values", ["min", "max"], []),
        ("normal", [], ["mu", "sigma"]),
        ("q_normal", [], ["mu", "sigma", "q"]),
        ("log_normal", [], ["mu", "sigma"]),
        ("q_log_normal", [], ["mu", "sigma", "q"]),
        ("beta", [], ["a", "b"]),
        ("q_beta", [], ["a", "b", "q"]),
    ]

    /// W&B's pattern for a parameter's name (`schema.json`, its doubled `^` and all).
    static let wandbNamePattern = "^^[A-Za-z_][A-Za-z0-9_.-]*$"

    static func stored(_ key: String, _ help: String) -> KeyTable<WandbParameterKeys>.Key {
        .init(key, help) { _, v, p in p.nodes[key] = v }
    }

    static let wandbParameterKeys = KeyTable<WandbParameterKeys>("parameters.<name> (a W&B sweep file)", unknownKey: { key, _ in
        WandbSchema.unexpected(key) + "; a W&B parameter's keys are value, values, probabilities, distribution, min, max, mu, sigma, q and parameters."
    }, [
        stored("value", "one value every trial gets (distribution constant): not a search dimension"),
        stored("values", "the choices (distribution categorical); with method grid, each is run"),
        stored("probabilities", "the chance of each of `values`: refused unless all are equal (hypertop's samplers draw choices evenly)"),
        stored("distribution", "one of W&B's (inferred from value, values or min/max when left out): \(wandbDistributions.map(\.name).joined(separator: ", "))"),
        stored("min", "the least value (int_uniform when min and max are whole numbers, uniform when either is a float)"),
        stored("max", "the greatest value"),
        stored("mu", "the mean of a normal distribution: refused (unbounded)"),
        stored("sigma", "the standard deviation of a normal distribution: refused (unbounded)"),
        stored("q", "the step of a q_ distribution (default 1.0)"),
        stored("a", "beta's a: refused"),
        stored("b", "beta's b: refused"),
        stored("parameters", "nested parameters, named `<name>.<key>`; the macros pass them as W&B does, as one mapping under <name>"),
    ])

    /// Reads `parameters:` (and nested ones under `path`) into `space`.
    static func wandbParameters(_ node: Node, path: [String], method: String?, yaml: YAMLReader, file: YAMLFile,
                                into space: inout WandbSpace) throws {
        let map = try yaml.mapping(node, path.isEmpty ? "`parameters`" : "`\(path.joined(separator: "."))`'s `parameters`")
        if map.isEmpty {
            throw yaml.error(node, "`parameters` is empty ({} should be non-empty); add at least one parameter, e.g. `lr: {min: 0.0001, max: 0.1}`.")
        }
        for (k, v) in map {
            let key = try yaml.string(k, "a parameter's name")
            if key.range(of: wandbNamePattern, options: .regularExpression) == nil {
                throw yaml.error(k, "\(PythonText.repr(key)) does not match \(PythonText.repr(wandbNamePattern)) (W&B's parameter names: a letter or `_`, then letters, digits, `_`, `.` or `-`).")
            }
            let keyPath = path + [key]
            let name = keyPath.joined(separator: ".")
            guard let pmap = v.mapping else {
                throw yaml.error(v, "Invalid configuration for hyperparameter \(PythonText.repr(name)) (W&B's words): a parameter is a mapping such as `{values: [a, b]}`, `{value: 1}` or `{min: 0, max: 1}`.")
            }
            var p = WandbParameterKeys()
            try wandbParameterKeys.read(try yaml.mapping(v, "parameter `\(name)`"), at: v, yaml, place: "in parameter `\(name)`", into: &p)
            if let nested = p.nodes["parameters"] {
                if let other = pmap.first(where: { $0.key.string != "parameters" }) {
                    throw yaml.error(other.key, WandbSchema.unexpected(other.key.string ?? "") + ": parameter `\(name)` has nested `parameters:`, and then no keys of its own.")
                }
                try wandbParameters(nested, path: keyPath, method: method, yaml: yaml, file: file, into: &space)
                continue
            }
            if !space.defined.insert(name).inserted {
                throw yaml.error(k, "parameter `\(name)` is defined twice (once nested, once with dots in its name); W&B would pass both under `\(keyPath[0])`.")
            }
            if keyPath.count > 1 { space.paths[name] = keyPath }
            switch try wandbParameter(name, p, at: v, method: method, yaml: yaml, file: file) {
            case .constant(let value): space.constants.append(ParamValue.Entry(name, value))
            case .sampled(let d): space.parameters.append(Parameter(name: name, distribution: d))
            }
        }
    }

    /// One parameter: its distribution (given, or inferred as W&B infers it), its keys checked
    /// against that distribution's, and what it becomes.
    static func wandbParameter(_ name: String, _ p: WandbParameterKeys, at node: Node, method: String?, yaml: YAMLReader,
                               file: YAMLFile) throws -> WandbParameter {
        let present = Set(p.nodes.keys)
        func value(_ key: String) throws -> ParamValue {
            try WandbSchema.value(p.nodes[key]!, yaml: yaml, explicitlyTagged: file.isExplicitlyTagged)
        }
        /// A number as W&B reads it; a value PyYAML reads as text but hypertop as a number is taken, with a warning.
        func number(_ key: String) throws -> (value: Double, isInt: Bool, read: ParamValue) {
            let node = p.nodes[key]!
            let read = try value(key)
            switch read {
            case .int(let i): return (Double(i), true, read)
            case .float(let d): return (d, false, read)
            case .string(let text):
                if case .float(let d) = try yaml.configValue(node) {
                    yaml.warn(node, "parameter `\(name)`: `\(text)` is text to W&B's YAML reader (YAML 1.1 wants a dot and a signed exponent, as in 1.0e-5, or `!!float \(text)`); hypertop reads it as the number \(PythonText.float(d)).")
                    return (d, false, .float(d))
                }
            default: break
            }
            throw yaml.error(node, "parameter `\(name)`: " + WandbSchema.notOfType(read, "number") + ".")
        }
        // The distribution: given, or W&B's first schema that fits the keys.
        let distribution: String
        if let d = p.nodes["distribution"] {
            let given = try value("distribution")
            guard case .string(let text) = given, wandbDistributions.contains(where: { $0.name == text }) else {
                throw yaml.error(d, "parameter `\(name)`: " + WandbSchema.notOneOf(given, wandbDistributions.map(\.name)) + ".")
            }
            distribution = text
        } else if present == ["value"] {
            distribution = "constant"
        } else if present == ["values"] {
            distribution = "categorical"
        } else if present == ["values", "probabilities"] {
            distribution = "categorical_w_probabilities"
        } else if present == ["min", "max"] {
            distribution = try number("min").isInt && number("max").isInt ? "int_uniform" : "uniform"
        } else {
            throw yaml.error(node, "invalid hyperparameter configuration: \(name) (W&B's words): without `distribution`, W&B infers one only from `value`, `values` (with `probabilities`), or `min` and `max` alone; add `distribution:` (\(wandbDistributions.map(\.name).joined(separator: ", "))).")
        }
        let keys = wandbDistributions.first { $0.name == distribution }!
        for (k, _) in try yaml.mapping(node, "parameter `\(name)`") {
            let key = k.string ?? ""
            if key != "distribution" && !keys.required.contains(key) && !keys.optional.contains(key) {
                throw yaml.error(k, "parameter `\(name)` (\(distribution)): " + WandbSchema.unexpected(key) + "; its keys are \((keys.required + keys.optional).joined(separator: ", ")).")
            }
        }
        for key in keys.required where !present.contains(key) {
            throw yaml.error(node, "parameter `\(name)` (\(distribution)): " + WandbSchema.required(key) + ".")
        }
        if method == "grid" && !["constant", "categorical", "int_uniform", "q_uniform"].contains(distribution) {
            // W&B's grid search refuses it (grid_search.py), in these words.
            throw yaml.error(node, "Parameter \(name) is a disallowed type with grid search. Grid search requires all parameters to be categorical, constant, int_uniform, or q_uniform. Specification of probabilities for categorical parameters is disallowed in grid search")
        }
        /// min and max, with W&B's `validate_min_max`.
        func bounds() throws -> (min: (value: Double, isInt: Bool, read: ParamValue), max: (value: Double, isInt: Bool, read: ParamValue)) {
            let lo = try number("min"), hi = try number("max")
            if lo.value >= hi.value {
                throw yaml.error(p.nodes["min"]!, "\(name): min \(PythonText.str(lo.read)) is not less than max \(PythonText.str(hi.read)) (W&B's words).")
            }
            return (lo, hi)
        }
        func positiveMin(_ lo: Double) throws {
            if lo <= 0 {
                throw yaml.error(p.nodes["min"]!, "parameter `\(name)` (\(distribution)): " + WandbSchema.notAbove(try value("min"), 0) + " (min and max are the values themselves, so min must be above 0).")
            }
        }
        func q() throws -> (value: Double, isInt: Bool, text: String) {
            guard p.nodes["q"] != nil else { return (1.0, false, "1.0") }   // the schema's default, 1.0: a float
            let q = try number("q")
            if q.value <= 0 { throw yaml.error(p.nodes["q"]!, "parameter `\(name)`: " + WandbSchema.notAbove(q.read, 0) + ".") }
            return (q.value, q.isInt, PythonText.str(q.read))
        }
        func logRange(_ low: Double, _ high: Double, _ how: String) throws -> Distribution {
            guard low > 0, high.isFinite, low < high else {
                throw yaml.error(node, "parameter `\(name)` (\(distribution)): \(how) is \(PythonText.float(low))...\(PythonText.float(high)), which a double cannot hold as a log range; narrow min and max.")
            }
            return .float(low: low, high: high, log: true, step: nil)
        }
        switch distribution {
        case "constant":
            return .constant(try value("value"))
        case "categorical", "categorical_w_probabilities":
            let choices = try categoricalValues(name, p.nodes["values"]!, yaml: yaml, file: file)
            if distribution == "categorical_w_probabilities" {
                try checkProbabilities(name, p.nodes["probabilities"]!, count: choices.count, values: .list(choices), method: method, yaml: yaml, file: file)
            }
            return .sampled(.categorical(choices: choices))
        case "int_uniform":
            let (lo, hi) = try bounds()
            for (key, b) in [("min", lo), ("max", hi)] where !b.isInt {
                throw yaml.error(p.nodes[key]!, "parameter `\(name)` (int_uniform): " + WandbSchema.notOfType(b.read, "integer") + ".")
            }
            for (key, b) in [("min", lo), ("max", hi)] where abs(b.value) > maxExactInteger {
                throw yaml.error(p.nodes[key]!, "parameter `\(name)`: \(PythonText.str(b.read)) is beyond ±2^53, the largest whole numbers the samplers hold exactly; narrow the range.")
            }
            return .sampled(.int(low: Int(lo.value), high: Int(hi.value), log: false, step: 1))
        case "uniform":
            let (lo, hi) = try bounds()
            return .sampled(.float(low: lo.value, high: hi.value, log: false, step: nil))
        case "q_uniform":
            let (lo, hi) = try bounds()
            let step = try q()
            if method == "grid" {
                // W&B's grid runs np.arange(min, max, q): min, min + q, ..., below max.
                let n = ((hi.value - lo.value) / step.value).rounded(.up)
                guard n >= 1, n < maxExactInteger else {
                    throw yaml.error(node, "parameter `\(name)`: q \(step.text) makes \(PythonText.float(n)) grid values; use a larger q.")
                }
                let isInt = lo.isInt && hi.isInt && step.isInt
                let high = lo.value + (n - 1) * step.value
                return .sampled(isInt ? .int(low: Int(lo.value), high: Int(high), log: false, step: Int(step.value))
                                      : .float(low: lo.value, high: high, log: false, step: step.value))
            }
            // W&B's random and bayes draw round(X / q) * q for X uniform on [min, max]: the
            // multiples of q whose rounding interval meets the range (whole numbers when q is).
            let k = (low: (lo.value / step.value - 0.5).rounded(.down) + 1, high: (hi.value / step.value + 0.5).rounded(.up) - 1)
            guard k.high - k.low < maxExactInteger else {
                throw yaml.error(node, "parameter `\(name)`: q \(step.text) makes too many values; use a larger q.")
            }
            return .sampled(step.isInt ? .int(low: Int(k.low) * Int(step.value), high: Int(k.high) * Int(step.value), log: false, step: Int(step.value))
                                       : .float(low: k.low * step.value, high: k.high * step.value, log: false, step: step.value))
        case "log_uniform", "inv_log_uniform":
            let (lo, hi) = try bounds()
            // W&B's own deprecation notice (params.py), which its server shows for this file.
            yaml.warn(node, "\(name) uses \(distribution), where min/max specify base-e exponents. Use \(distribution)_values to specify limit values.")
            // log_uniform: X = exp(U(min, max)). inv_log_uniform: X = exp(-U(min, max)), so log X
            // is uniform on [-max, -min]: X is log-uniform on [exp(-max), exp(-min)].
            return distribution == "log_uniform"
                ? .sampled(try logRange(exp(lo.value), exp(hi.value), "exp(min)...exp(max)"))
                : .sampled(try logRange(exp(-hi.value), exp(-lo.value), "exp(-max)...exp(-min)"))
        case "log_uniform_values", "inv_log_uniform_values":
            let (lo, hi) = try bounds()
            try positiveMin(lo.value)
            // inv_log_uniform_values: X = exp(-U(-log max, -log min)) = exp(U(log min, log max)),
            // the same draw as log_uniform_values.
            return .sampled(try logRange(lo.value, hi.value, "min...max"))
        case "q_log_uniform", "q_log_uniform_values":
            let (lo, hi) = try bounds()
            let values = distribution == "q_log_uniform_values"
            if values { try positiveMin(lo.value) }
            let step = try q()
            let range = values ? (lo.value, hi.value) : (exp(lo.value), exp(hi.value))
            guard step.isInt, step.value == 1 else {
                let why = step.value == 1
                    ? "with q 1.0 (a float, W&B's default) W&B draws whole numbers written as floats (17.0), which no Optuna distribution gives; write `q: 1` for whole numbers on a log scale"
                    : "W&B draws multiples of \(step.text) on a log scale, and Optuna's distributions have no stepped log scale (an int log range steps by 1); write `distribution: q_uniform` for the same multiples drawn evenly, `\(values ? "log_uniform_values" : "log_uniform")` without q for a continuous log scale, or `q: 1` for whole numbers on a log scale"
                throw yaml.error(p.nodes["q"] ?? node, "parameter `\(name)` (\(distribution)): \(why).")
            }
            // round(X) for X log-uniform on the range: the whole numbers whose rounding interval meets it.
            let low = (range.0 - 0.5).rounded(.down) + 1, high = (range.1 + 0.5).rounded(.up) - 1
            guard low >= 1, high < maxExactInteger else {
                throw yaml.error(node, "parameter `\(name)` (\(distribution)): W&B draws \(PythonText.float(max(low, 0)))...\(PythonText.float(high)) here, and an int log range needs whole numbers from 1 up to 2^53; raise min or lower max.")
            }
            return .sampled(.int(low: Int(low), high: Int(high), log: true, step: 1))
        case "normal", "q_normal", "log_normal", "q_log_normal":
            let mu = p.nodes["mu"] != nil ? try number("mu").value : 0
            let sigma = p.nodes["sigma"] != nil ? try number("sigma").value : 1
            let log = distribution.contains("log")
            let a = mu - 2 * sigma, b = mu + 2 * sigma
            let suggestion = log
                ? "`distribution: log_uniform_values, min: \(PythonText.float(exp(a))), max: \(PythonText.float(exp(b)))` (exp(mu ± 2 sigma))"
                : "`distribution: uniform, min: \(PythonText.float(a)), max: \(PythonText.float(b))` (mu ± 2 sigma)"
            throw yaml.error(p.nodes["distribution"] ?? node, "parameter `\(name)`: \(distribution) has no least and greatest value, and Optuna's distributions (which hypertop's samplers and store use) are bounded ranges drawn evenly, so hypertop cannot draw it as W&B does; write a range instead, e.g. \(suggestion).")
        default: // beta, q_beta
            throw yaml.error(p.nodes["distribution"] ?? node, "parameter `\(name)`: \(distribution) weighs [0, 1] unevenly, and Optuna's distributions (which hypertop's samplers and store use) draw a range evenly, so hypertop cannot draw it as W&B does; write `distribution: uniform, min: 0, max: 1`, or `values: [...]`.")
        }
    }

    /// A categorical parameter's `values`, as W&B's YAML reader reads them; each once.
    static func categoricalValues(_ name: String, _ node: Node, yaml: YAMLReader, file: YAMLFile) throws -> [ParamValue] {
        guard let seq = node.sequence else {
            throw yaml.error(node, "parameter `\(name)`: " + WandbSchema.notOfType(try WandbSchema.value(node, yaml: yaml, explicitlyTagged: file.isExplicitlyTagged), "array") + "; `values` is a list.")
        }
        if seq.isEmpty { throw yaml.error(node, "parameter `\(name)`: `values` is empty; list at least one value.") }
        var choices: [ParamValue] = []
        for item in seq {
            let v = try WandbSchema.value(item, yaml: yaml, explicitlyTagged: file.isExplicitlyTagged)
            if choices.contains(v) { throw yaml.error(item, "parameter `\(name)`: value \(PythonText.repr(v)) is listed twice; list each once.") }
            choices.append(v)
        }
        return choices
    }

    /// `probabilities`: W&B's checks (one number of at least 0 per value, summing to 1), then
    /// hypertop's: only equal ones, which is what its samplers draw.
    static func checkProbabilities(_ name: String, _ node: Node, count: Int, values: ParamValue, method: String?, yaml: YAMLReader, file: YAMLFile) throws {
        let read = try WandbSchema.value(node, yaml: yaml, explicitlyTagged: file.isExplicitlyTagged)
        guard case .list(let items) = read else { throw yaml.error(node, "parameter `\(name)`: " + WandbSchema.notOfType(read, "array") + ".") }
        var ps: [Double] = []
        for item in items {
            guard let x = item.number, item != .bool(true), item != .bool(false), x >= 0 else {
                throw yaml.error(node, "parameter `\(name)`: probability \(PythonText.repr(item)) is not a number of at least 0.")
            }
            ps.append(x)
        }
        if ps.count != count {
            throw yaml.error(node, "Parameter \(name): values \(PythonText.str(values)) and probabilities \(PythonText.str(read)) are not the same length")
        }
        // numpy's isclose(sum, 1.0), as W&B checks it.
        let sum = ps.reduce(0, +)
        if abs(sum - 1) > 1e-8 + 1e-5 {
            throw yaml.error(node, "Parameter \(name): Probabilities \(PythonText.str(read)) do not sum to 1")
        }
        if method == "grid" {
            throw yaml.error(node, "Parameter \(name) is a disallowed type with grid search. Grid search requires all parameters to be categorical, constant, int_uniform, or q_uniform. Specification of probabilities for categorical parameters is disallowed in grid search")
        }
        let even = 1 / Double(count)
        if ps.contains(where: { abs($0 - even) > 1e-8 + 1e-5 * even }) {
            throw yaml.error(node, "parameter `\(name)`: W&B draws `values` with these probabilities, and hypertop's samplers (random, TPE, GP, as Optuna's) draw a categorical parameter's values evenly, so the search would not be W&B's; remove `probabilities` (each value equally likely).")
        }
    }
}
