import Foundation
import Yams

/// One `key=value` word after the config file on the command line, as a Hydra user types it
/// (`hydra.sweeper.max_trials=4`, `n_epochs=3`, `++algorithm.gamma=0.95`, `+new_key=1`, `~key`).
/// `hydra.sweeper.*` and `hydra.launcher.*` change the sweep itself, as the file's own keys would;
/// every other one is passed to each trial's job as typed, and what hypertop reads of the job's
/// config (`n_epochs`, the criterion) sees it too.
public struct CommandLineOverride: Sendable, Hashable {
    public let text: String
    /// `""`, `+`, `++` or `~`.
    public let prefix: String
    public let key: String
    /// nil for a deletion (`~key`).
    public let value: String?

    /// How errors name it: `command-line override `n_epochs=0``.
    public var place: String { Self.place(text) }

    static let placePrefix = "command-line override "
    static func place(_ text: String) -> String { placePrefix + "`\(ProcessText.printable(text))`" }

    public static func parse(_ text: String) throws -> CommandLineOverride {
        var rest = Substring(text)
        var prefix = ""
        for p in ["++", "+", "~"] where rest.hasPrefix(p) {
            prefix = p
            rest = rest.dropFirst(p.count)
            break
        }
        let key: Substring, value: String?
        if let eq = rest.firstIndex(of: "=") {
            key = rest[..<eq]
            value = String(rest[rest.index(after: eq)...])
        } else if prefix == "~" {
            (key, value) = (rest, nil)
        } else {
            throw ConfigError(file: place(text), line: nil,
                              "an override is `key=value` (e.g. `hydra.sweeper.max_trials=4` or `n_epochs=3`); to delete a key write `~key`.")
        }
        let place = place(text)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_.-/@$[]+"))
        if key.isEmpty || key.hasPrefix(".") || key.hasPrefix("+") || key.hasSuffix(".") || key.contains("..")
            || key.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            throw ConfigError(file: place, line: nil, "`\(ProcessText.printable(String(key)))` is not a config key like `n_epochs` or `hydra.sweeper.max_trials`.")
        }
        if let value, isSweep(value) {
            throw ConfigError(file: place, line: nil,
                              "`\(value)` is a Hydra sweep; hypertop's sweeps are the file's search_space (or params), and an override gives one value. Quote a value with a comma: `key='a,b'`.")
        }
        return CommandLineOverride(text: text, prefix: prefix, key: String(key), value: value)
    }

    /// Whether Hydra would read `value` as a sweep (`a,b`, `choice(...)`, `range(...)`, `interval(...)`, `glob(...)`).
    static func isSweep(_ value: String) -> Bool {
        let v = value.trimmingCharacters(in: .whitespaces)
        if ["choice(", "range(", "interval(", "glob(", "tag("].contains(where: v.hasPrefix) { return true }
        // A comma outside quotes and brackets.
        var depth = 0
        var quote: Character?
        var escaped = false
        for c in v {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if let q = quote { if c == q { quote = nil }; continue }
            switch c {
            case "'", "\"": quote = c
            case "[", "{", "(": depth += 1
            case "]", "}", ")": depth -= 1
            case "," where depth == 0: return true
            default: break
            }
        }
        return false
    }

    /// `parse(overrides)`, where an error the overrides cause names the first one that causes it
    /// (the file alone is read again to tell).
    static func blamed<T>(_ overrides: [CommandLineOverride], _ parse: ([CommandLineOverride]) throws -> T) throws -> T {
        do {
            return try parse(overrides)
        } catch let error as ConfigError where !overrides.isEmpty && !error.file.hasPrefix(placePrefix) {
            _ = try parse([])
            for n in 1...overrides.count {
                do {
                    _ = try parse(Array(overrides.prefix(n)))
                } catch let e as ConfigError {
                    throw ConfigError(file: overrides[n - 1].place, line: nil, e.message)
                }
            }
            throw error
        }
    }

    /// Whether it changes hypertop's own sweep settings rather than the job's config.
    public var isSweepSetting: Bool {
        key == "hydra.sweeper" || key.hasPrefix("hydra.sweeper.") || key == "hydra.launcher" || key.hasPrefix("hydra.launcher.")
    }

    /// The value as a YAML node, as the file would hold it; no marks (it is no line of the file).
    var node: Node {
        guard let value, !value.isEmpty else { return Node("", .implicit, .singleQuoted) }
        var text = value
        // Hydra quotes with either quote and escapes the other with a backslash; YAML's single
        // quotes double theirs.
        if text.count >= 2, text.first == "'", text.last == "'" {
            text = "'" + text.dropFirst().dropLast().replacingOccurrences(of: "\\'", with: "''") + "'"
        }
        let composed = (try? Yams.compose(yaml: text)) ?? nil
        return Self.unmarked(composed ?? Node(value, .implicit, .singleQuoted))
    }

    static func unmarked(_ node: Node) -> Node {
        switch node {
        case .scalar(var s): s.mark = nil; return .scalar(s)
        case .sequence(let s):
            var out = Node.Sequence(s.map(unmarked), s.tag, s.style)
            out.mark = nil
            return .sequence(out)
        case .mapping(let m):
            var out = Node.Mapping(m.map { (unmarked($0.key), unmarked($0.value)) }, m.tag, m.style)
            out.mark = nil
            return .mapping(out)
        case .alias: return node
        }
    }

    /// The file's tree with the sweep-setting overrides (with `all`, every one: a W&B sweep
    /// file's keys are all the sweep's) applied: set, added, or (`~`) removed.
    static func apply(_ overrides: [CommandLineOverride], to root: Node, all: Bool = false) throws -> Node {
        var root = root
        for o in overrides where all || o.isSweepSetting {
            root = try o.apply(to: root, path: o.key.split(separator: ".").map(String.init))
        }
        return root
    }

    private func apply(to node: Node, path: [String]) throws -> Node {
        guard var map = node.mapping else {
            throw ConfigError(file: place, line: nil, "cannot set `\(key)`: what holds it in the config is not a mapping.")
        }
        // Keys may hold dots themselves (`++algorithm.learning_rate` in search_space): the
        // longest run of the path that names an existing key is that key.
        var take = 1
        for n in stride(from: path.count, through: 1, by: -1) where map[Node(path.prefix(n).joined(separator: "."))] != nil {
            take = n
            break
        }
        let head = path.prefix(take).joined(separator: ".")
        let rest = Array(path.dropFirst(take))
        let existing = map[Node(head)]
        if rest.isEmpty {
            map[Node(head)] = value == nil ? nil : self.node
        } else {
            let child = existing ?? Node([(Node, Node)]())
            map[Node(head)] = try apply(to: child, path: rest)
        }
        var out = node
        out.mapping = map
        return out
    }
}
