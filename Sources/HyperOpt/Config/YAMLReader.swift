import Foundation
import Yams

/// Reads one YAML file's nodes as typed values: every mismatch is a ConfigError at the node's
/// line, and every warning goes to the load's shared log.
struct YAMLReader {
    let path: String
    var warnings = WarningLog()

    func warn(_ node: Node, _ message: String, file: String? = nil) {
        let w = ConfigWarning(file: file ?? path, line: node.mark?.line, message: message)
        if !warnings.items.contains(w) { warnings.items.append(w) }
    }

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: path, line: node.mark?.line, message)
    }

    func mapping(_ node: Node, _ what: String) throws -> Node.Mapping {
        guard let m = node.mapping else { throw error(node, "\(what) must be a mapping of `key: value` lines.") }
        var seen = Set<String>()
        for (k, _) in m {
            let key = k.string ?? ""
            if !seen.insert(key).inserted { throw error(k, "key `\(key)` appears twice in \(what).") }
        }
        return m
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard let s = node.scalar?.string else { throw error(node, "`\(key)` must be a single value, not a list or mapping.") }
        return s
    }

    func stringList(_ node: Node, _ key: String) throws -> [String] {
        guard let seq = node.sequence else {
            throw error(node, "`\(key)` must be a list of strings (the job's argv), e.g. [python, src/main.py].")
        }
        return try seq.map { try string($0, key) }
    }

    /// A list of names (metrics, keys): non-empty strings.
    func nameList(_ node: Node, _ key: String) throws -> [String] {
        guard let seq = node.sequence else {
            throw error(node, "`\(key)` must be a name or a list of names, e.g. [cost, violation].")
        }
        return try seq.map { item in
            let name = try string(item, key)
            if name.isEmpty { throw error(item, "`\(key)` has an empty name.") }
            return name
        }
    }

    func int(_ node: Node, _ key: String, min: Int? = nil, max: Int? = nil) throws -> Int {
        guard node.scalar != nil, let v = node.int else {
            throw error(node, "`\(key)` must be a whole number, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        if let min, v < min { throw error(node, "`\(key)` must be at least \(min), got \(v).") }
        if let max, v > max { throw error(node, "`\(key)` must be at most \(max), got \(v).") }
        return v
    }

    func double(_ node: Node, _ key: String, positive: Bool) throws -> Double {
        guard node.scalar != nil, let v = node.float ?? node.int.map(Double.init), v.isFinite else {
            throw error(node, "`\(key)` must be a finite number, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        if positive && v <= 0 { throw error(node, "`\(key)` must be greater than 0, got \(v).") }
        return v
    }

    /// A number from 0 to 1.
    func probability(_ node: Node, _ key: String) throws -> Double {
        let v = try double(node, key, positive: false)
        if v < 0 || v > 1 { throw error(node, "`\(key)` must be between 0 and 1, got \(v).") }
        return v
    }

    func bool(_ node: Node, _ key: String) throws -> Bool {
        guard node.scalar != nil, let v = node.bool else {
            throw error(node, "`\(key)` must be true or false, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        return v
    }

    /// A value as Hydra's YAML loader reads it: lists and mappings kept, quoted text stays a string.
    func configValue(_ node: Node) throws -> ParamValue {
        if let seq = node.sequence { return .list(try seq.map(configValue)) }
        if node.mapping != nil {
            return .mapping(try self.mapping(node, "a mapping value").map { k, v in ParamValue.Entry(try string(k, "a key"), try configValue(v)) })
        }
        guard let scalar = node.scalar else { throw error(node, "an alias or anchor is not supported here.") }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded {
            return .string(scalar.string)
        }
        if node.null != nil { return .null }
        if let b = node.bool { return .bool(b) }
        if let i = node.int { return .int(i) }
        if let f = node.float { return .float(f) }
        return .string(scalar.string)
    }
}
