import Foundation
import Yams

/// One config block's keys, each declared once with its help and its reader (as
/// swift-argument-parser declares an option once). The block is read through the table, its
/// "unknown key" message lists the table, and `hypertop check --keys` prints it: what is
/// accepted, what a mistake's message offers and what the help says cannot drift apart.
struct KeyTable<Options>: Sendable {
    /// A reader of one key: the file's reader, the value (or, when the key is absent, the block), the options.
    typealias Reader = @Sendable (YAMLReader, Node, inout Options) throws -> Void

    struct Key: Sendable {
        let name: String
        /// One line for people: what the key does, its values, its default.
        let help: String
        /// Takes the key's value; nil: accepted and not read here (it chose the table, or it
        /// means nothing to hypertop).
        let read: Reader?
        /// Runs when the key is left out (a default that is said, or a key that is required);
        /// it gets the block's node, where such messages point.
        let absent: Reader?
        /// Said at the key when it is present and not read (a submitit option without meaning here).
        let ignoredWarning: String?
        /// Whether a `null` value reaches `read` in a table that reads nulls as absent.
        let readsNull: Bool

        init(_ name: String, _ help: String, readsNull: Bool = false,
             absent: Reader? = nil, read: @escaping Reader) {
            self.name = name
            self.help = help
            self.read = read
            self.absent = absent
            self.ignoredWarning = nil
            self.readsNull = readsNull
        }

        private init(ignored name: String, _ help: String, warning: String?) {
            self.name = name
            self.help = help
            self.read = nil
            self.absent = nil
            self.ignoredWarning = warning
            self.readsNull = false
        }

        /// A key that is accepted and not read: `warning`, when given, is said at it.
        static func ignored(_ name: String, _ help: String, warning: String? = nil) -> Key {
            Key(ignored: name, help, warning: warning)
        }
    }

    /// How a block reads `key: null`.
    enum Nulls: Sendable {
        /// As the value it is: a reader refuses it where it is none.
        case values
        /// As if the key were left out (Hydra's way to unset a key).
        case absent
        /// As if the key were left out, even a key the table lacks: submitit's configs list
        /// every option of theirs, most of them null.
        case absentEvenUnknown
    }

    /// The block as `--keys` names it: `hydra.sweeper`, `hydra.sweeper.sampler (type: tpe)`.
    let title: String
    let keys: [Key]
    let nulls: Nulls
    /// Keys that are refused with their own message rather than as unknown.
    let refused: [String: String]
    /// The message for an unknown key, when the format has its own wording (W&B's schema's).
    let unknownKey: (@Sendable (_ key: String, _ names: [String]) -> String)?

    init(_ title: String, nulls: Nulls = .values, refused: [String: String] = [:],
         unknownKey: (@Sendable (_ key: String, _ names: [String]) -> String)? = nil, _ keys: [Key]) {
        self.title = title
        self.keys = keys
        self.nulls = nulls
        self.refused = refused
        self.unknownKey = unknownKey
    }

    var names: [String] { keys.map(\.name) }

    /// The message for a key the table does not have; `place` says where (`in hydra.sweeper`,
    /// `for the tpe sampler`).
    func unknownKeyMessage(_ key: String, _ place: String) -> String {
        if let unknownKey { return unknownKey(key, names) }
        return "unknown key `\(key)` \(place); known keys: \(names.joined(separator: ", "))."
    }

    /// Refuses the first key of `map`, in the file's order, that the table does not accept.
    func check(_ map: Node.Mapping, _ yaml: YAMLReader, place: String) throws {
        let known = Set(names)
        for (k, v) in map {
            if nulls == .absentEvenUnknown && v.null != nil { continue }
            let key = k.string ?? ""
            if let message = refused[key] { throw yaml.error(k, message) }
            if !known.contains(key) { throw yaml.error(k, unknownKeyMessage(key, place)) }
        }
    }

    /// Checks `map` (the block at `block`), then reads its keys in the table's order, so that a
    /// key may rely on the ones declared before it.
    func read(_ map: Node.Mapping, at block: Node, _ yaml: YAMLReader, place: String, into options: inout Options) throws {
        try check(map, yaml, place: place)
        for key in keys {
            let found = map.first { $0.key.string == key.name }
            guard let (k, v) = found, nulls == .values || v.null == nil || key.readsNull else {
                try key.absent?(yaml, block, &options)
                continue
            }
            if let warning = key.ignoredWarning { yaml.warn(k, warning) }
            try key.read?(yaml, v, &options)
        }
    }

    /// The same table with `key` declared differently (where one block's key means something
    /// else in another place).
    func replacing(_ key: Key, title: String) -> KeyTable {
        KeyTable(title, nulls: nulls, refused: refused, unknownKey: unknownKey, keys.map { $0.name == key.name ? key : $0 })
    }

    /// The table for people: its title, then one `key  help` line per key.
    var help: String {
        let width = (keys.map(\.name.count).max() ?? 0) + 2
        return ([title] + keys.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + $0.help })
            .joined(separator: "\n") + "\n"
    }
}

extension Node.Mapping {
    /// The value of `key`, nil when it is absent.
    func value(_ key: String) -> Node? {
        first { $0.key.string == key }?.value
    }
}

extension ConfigLoader {
    /// Every config block's keys with their help, as `hypertop check --keys` prints them: the
    /// same tables the loader reads with.
    public static func keyReference() -> String {
        [
            sweeperKeys.help, parameterKeys.help,
            tpeKeys.help, gpKeys.help, plainSamplerKeys.help,
            medianPrunerKeys.help, percentilePrunerKeys.help, successiveHalvingPrunerKeys.help, hyperbandPrunerKeys.help,
            thresholdPrunerKeys.help, patientPrunerKeys.help, noPrunerKeys.help,
            slurmKeys.help,
            PerformanceTest.conditionKeys.help, PerformanceTest.sweeperKeys.help,
            wandbTopKeys.help, wandbParameterKeys.help, wandbMetricKeys.help, wandbEarlyTerminateKeys.help,
        ].joined(separator: "\n")
    }
}
