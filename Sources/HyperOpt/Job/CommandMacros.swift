import Foundation

/// W&B's command macros, expanded as W&B's agent expands them (`wandb/wandb_agent.py`,
/// `wandb/sdk/launch/sweeps/utils.py`), for W&B sweep files and for hypertop's own `command`:
/// a word that is exactly `${name}` becomes the words W&B puts there (none for a macro W&B does
/// not know, which the loader refuses instead), and `${envvar:NAME}` anywhere in a word becomes
/// that variable (its name when it is not set, as W&B leaves it). A macro inside a longer word is
/// left as written, as W&B leaves it.
public enum CommandMacros {
    /// The macros that place the trial's arguments, and what each gives for `--lr=0.1` and `--fast`
    /// (`True`): `--lr=0.1 --fast=True`; `--lr 0.1 --fast True`; `lr=0.1 fast=True`; `--lr=0.1
    /// --fast` (a False one left out); one JSON word; the path of a file holding that JSON;
    /// `+lr=0.1 +fast=True`; `++lr=0.1 ++fast=True`.
    public static let argumentMacros = ["args", "args_no_equals", "args_no_hyphens", "args_no_boolean_flags", "args_json",
                                        "args_json_file", "args_append_hydra", "args_override_hydra"]
    /// The macros that name the program: the same words for every trial.
    public static let programMacros = ["env", "interpreter", "program"]
    /// `${env}`: on Unix, W&B's agent runs the program through `/usr/bin/env`.
    public static let env = "/usr/bin/env"
    /// `${interpreter}`: W&B's agent writes the word `python`, whatever Python runs it.
    public static let interpreter = "python"

    /// One argument the macros pass: a W&B sweep's top-level key and its value (a nested
    /// parameter's value is the mapping of its keys), or a parameter of hypertop's own format.
    public struct Argument: Sendable, Hashable {
        public var name: String
        public var value: ParamValue
        public init(_ name: String, _ value: ParamValue) {
            self.name = name
            self.value = value
        }
    }

    /// The macro a word is, when the whole word is one: `args` for `${args}` (W&B's test:
    /// it starts with `${` and ends with `}`).
    public static func macro(_ word: String) -> String? {
        guard word.hasPrefix("${"), word.hasSuffix("}"), word.count >= 3 else { return nil }
        return String(word.dropFirst(2).dropLast())
    }

    /// Whether the command places the trial's arguments itself (a word is an argument macro).
    public static func placesArguments(_ command: [String]) -> Bool {
        command.contains { macro($0).map(argumentMacros.contains) ?? false }
    }

    /// The words before the first argument macro: the job's own command, as `best` leaves it out.
    public static func leadingWords(_ command: [String]) -> Int {
        command.firstIndex { macro($0).map(argumentMacros.contains) ?? false } ?? command.count
    }

    /// `${envvar:NAME}` anywhere in a word (W&B's pattern: NAME in A-Z, 0-9 and `_`), then the
    /// program macros; the argument macros stay for `expandArguments`.
    public static func expandProgram(_ command: [String], program: String?, environment: [String: String]) -> [String] {
        var out: [String] = []
        for var word in command {
            word = expandEnvironment(word, environment)
            switch macro(word) {
            case "env": out.append(env)
            case "interpreter": out.append(interpreter)
            case "program": out.append(program ?? "")
            default: out.append(word)
            }
        }
        return out
    }

    /// `${envvar:NAME}` replaced, from the last to the first, as W&B's `create_sweep_command` does.
    static func expandEnvironment(_ word: String, _ environment: [String: String]) -> String {
        var text = word
        for range in envvarRanges(text).reversed() {
            let name = String(text[range].dropFirst("${envvar:".count).dropLast())
            text.replaceSubrange(range, with: environment[name] ?? name)
        }
        return text
    }

    /// Where `\$\{envvar\:([A-Z0-9_]*)\}` matches in `word`, left to right, without overlaps.
    static func envvarRanges(_ word: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var search = word.startIndex
        while let start = word.range(of: "${envvar:", range: search..<word.endIndex) {
            var i = start.upperBound
            while i < word.endIndex, let a = word[i].asciiValue, a.isNameByte { i = word.index(after: i) }
            if i < word.endIndex, word[i] == "}" {
                let end = word.index(after: i)
                ranges.append(start.lowerBound..<end)
                search = end
            } else {
                search = word.index(after: start.lowerBound)
            }
        }
        return ranges
    }

    /// The command with each argument macro replaced by its words; `jsonFile` is the path
    /// `${args_json_file}` names.
    public static func expandArguments(_ command: [String], _ arguments: [Argument], jsonFile: String) -> [String] {
        command.flatMap { word -> [String] in
            guard let name = macro(word), argumentMacros.contains(name) else { return [word] }
            return words(name, arguments, jsonFile: jsonFile)
        }
    }

    /// What one argument macro stands for (`create_sweep_command_args`): each value as Python's
    /// `str()` writes it.
    public static func words(_ macro: String, _ arguments: [Argument], jsonFile: String) -> [String] {
        switch macro {
        case "args": return arguments.map { "--\($0.name)=\(PythonText.str($0.value))" }
        case "args_no_equals": return arguments.flatMap { ["--\($0.name)", PythonText.str($0.value)] }
        case "args_no_hyphens": return arguments.map { "\($0.name)=\(PythonText.str($0.value))" }
        case "args_append_hydra": return arguments.map { "+\($0.name)=\(PythonText.str($0.value))" }
        case "args_override_hydra": return arguments.map { "++\($0.name)=\(PythonText.str($0.value))" }
        case "args_no_boolean_flags":
            return arguments.compactMap { a in
                if case .bool(let b) = a.value { return b ? "--\(a.name)" : nil }
                return "--\(a.name)=\(PythonText.str(a.value))"
            }
        case "args_json": return [json(arguments)]
        case "args_json_file": return [jsonFile]
        default: return []
        }
    }

    /// The arguments as one JSON object, as `json.dumps` writes W&B's dict of them: what
    /// `${args_json}` passes and the file `${args_json_file}` names holds.
    public static func json(_ arguments: [Argument]) -> String {
        PythonText.json(.mapping(arguments.map { ParamValue.Entry($0.name, $0.value) }))
    }

    /// What is wrong with a command's macros, for the loader: `errors` for a whole-word macro W&B
    /// does not know (its agent would drop the word) and `${program}` without a program; `warnings`
    /// for a W&B macro inside a longer word, which W&B's agent passes as written.
    public static func problems(_ command: [String], hasProgram: Bool, parameters: Set<String> = [], wandbFile: Bool = false) -> (errors: [String], warnings: [String]) {
        var errors: [String] = [], warnings: [String] = []
        let known = programMacros + argumentMacros
        for word in command {
            // W&B expands the variables first, and passes on what they make.
            if !envvarRanges(word).isEmpty { continue }
            if let name = macro(word) {
                if name == "program" && !hasProgram {
                    errors.append("`${program}` names the sweep's `program`, and there is none; add `program: <script>` or name the script in the command.")
                } else if !known.contains(name) {
                    errors.append("`\(word)` is not one of W&B's command macros (\(known.map { "${\($0)}" }.joined(separator: ", ")), ${envvar:NAME}); W&B's agent would drop the word.")
                }
                continue
            }
            // A macro, a parameter's name, or (in a W&B file, where Hydra's `${key}` means
            // nothing) any plain `${name}` inside a longer word: W&B's docs show such "custom
            // macros", and its agent passes them as written.
            for name in inner(word) where known.contains(name) || parameters.contains(name) || (wandbFile && !name.contains(":")) {
                warnings.append("`\(word)`: W&B's agent expands a macro only when it is the whole word, so `${\(name)}` is passed as written"
                                + (known.contains(name) ? "; make it a word of its own." : parameters.contains(name) ? "; use ${args} (or another argument macro) to pass the values." : "."))
            }
        }
        return (errors, warnings)
    }

    /// The names of the `${...}` inside a word.
    static func inner(_ word: String) -> [String] {
        var names: [String] = []
        var rest = word[...]
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            names.append(String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

private extension UInt8 {
    /// A byte of W&B's environment variable names: A-Z, 0-9, `_`.
    var isNameByte: Bool { (0x41...0x5A).contains(self) || (0x30...0x39).contains(self) || self == 0x5F }
}
