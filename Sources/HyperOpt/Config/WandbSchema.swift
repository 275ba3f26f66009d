import Foundation
import Yams

/// What W&B's side says about a sweep file, in its own words: the messages of the JSON-schema
/// validation W&B runs on every sweep config (`jsonschema`'s Draft 7 validator over
/// `wandb/sweeps` `src/sweeps/config/schema.json`), and values read as W&B's YAML reader
/// (PyYAML's `safe_load`, YAML 1.1) reads them.
enum WandbSchema {
    /// The top-level keys that make a file a W&B sweep file (a file without `hydra:`).
    static let signatureKeys = ["program", "method", "metric", "parameters", "early_terminate", "command", "run_cap"]

    /// jsonschema's `additionalProperties` message for one key.
    static func unexpected(_ key: String) -> String {
        "Additional properties are not allowed (\(PythonText.repr(key)) was unexpected)"
    }

    /// jsonschema's `enum` message: `'foo' is not one of ['bayes', 'random', 'grid', 'custom']`.
    static func notOneOf(_ value: ParamValue, _ options: [String]) -> String {
        "\(PythonText.repr(value)) is not one of [\(options.map { PythonText.repr($0) }.joined(separator: ", "))]"
    }

    /// jsonschema's `type` message: `'abc' is not of type 'number'`.
    static func notOfType(_ value: ParamValue, _ type: String) -> String {
        "\(PythonText.repr(value)) is not of type \(PythonText.repr(type))"
    }

    /// jsonschema's `required` message.
    static func required(_ key: String) -> String {
        "\(PythonText.repr(key)) is a required property"
    }

    /// jsonschema's Draft 7 `exclusiveMinimum` message.
    static func notAbove(_ value: ParamValue, _ minimum: Int) -> String {
        "\(PythonText.repr(value)) is less than or equal to the minimum of \(minimum)"
    }

    /// A scalar's value as PyYAML's `safe_load` reads it, where YAML 1.1 differs from the YAML
    /// 1.2 reader hypertop uses: a float needs a dot and a signed exponent there (`1e-5` and
    /// `1.0e5` are text to W&B; its docs say to write `!!float 1e-5`), and `0o17` is text.
    /// `explicitlyTagged` says whether the node carries its own tag (`!!float 1e-5`).
    static func value(_ node: Node, yaml: YAMLReader, explicitlyTagged: (Node) -> Bool) throws -> ParamValue {
        if let seq = node.sequence { return .list(try seq.map { try value($0, yaml: yaml, explicitlyTagged: explicitlyTagged) }) }
        if node.mapping != nil {
            return .mapping(try yaml.mapping(node, "a mapping value").map { k, v in
                ParamValue.Entry(try yaml.string(k, "a key"), try value(v, yaml: yaml, explicitlyTagged: explicitlyTagged))
            })
        }
        let read = try yaml.configValue(node)
        guard let scalar = node.scalar, scalar.style == .plain, !explicitlyTagged(node) else { return read }
        switch read {
        case .float where !isYAML11Float(scalar.string): return .string(scalar.string)
        case .int where scalar.string.lowercased().contains("0o"): return .string(scalar.string)
        default: return read
        }
    }

    /// PyYAML's float pattern (its `Resolver`): digits with a dot and an optional signed
    /// exponent, a leading dot, sexagesimal, `.inf` or `.nan`.
    static func isYAML11Float(_ text: String) -> Bool {
        text.range(of: #"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"#,
                   options: .regularExpression) != nil
    }
}

extension YAMLFile {
    /// Whether a node is written with a tag of its own (`!!float 1e-5`): its mark is where the
    /// tag begins.
    func isExplicitlyTagged(_ node: Node) -> Bool {
        guard let mark = node.mark, mark.line >= 1, mark.column >= 1 else { return false }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line <= lines.count else { return false }
        let line = lines[mark.line - 1].unicodeScalars
        guard mark.column - 1 < line.count else { return false }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)] == "!"
    }
}
