import Foundation

/// The argv of one trial's job: the command, then what the study passes (see `PassConfig`).
public enum TrialArguments {
    /// The Hydra callback hypertop puts on the job's `PYTHONPATH` (its source is in SweepEngine).
    public static let callbackModule = "hypertop_hydra"
    public static let callbackClass = "ReturnValue"
    public static var callbackOverride: String {
        "++hydra.callbacks.hypertop._target_=\(callbackModule).\(callbackClass)"
    }

    /// The file in the trial's directory that `${args_json_file}` names.
    public static let argsJSONFileName = "args.json"

    public static func argv(command: [String], spec: StudySpec, params: Params, runDir: String,
                            seed: UInt32, epochCap: Int?) -> [String] {
        if byMacros(command, spec: spec) {
            let arguments = macroArguments(spec: spec, params: params, seed: seed, epochCap: epochCap)
            let argv = CommandMacros.expandArguments(command, arguments, jsonFile: (runDir as NSString).appendingPathComponent(argsJSONFileName))
            // What pass_config asks for besides the values, which the macros placed: a Hydra
            // app's own words and hypertop's wiring.
            return argv + (spec.passing == .overrides ? configWords(spec) : []) + wiring(spec, runDir: runDir)
        }
        var argv = command + configWords(spec)
        if let epochCap { argv.append((spec.passing == .overrides ? "++" : "") + "n_epochs=\(epochCap)") }
        for p in spec.space.parameters {
            if let v = params[p.name] { argv.append(HydraOverride.argument(name: p.name, value: v)) }
        }
        if let key = spec.seedKey { argv.append("++\(key)=\(seed)") }
        return argv + wiring(spec, runDir: runDir)
    }

    /// The words before a trial's values: a primary config's `--config-name`, the file's own keys
    /// as overrides, then the command line's (the last one wins in Hydra, as on the original's
    /// command line), and the study's name where the app's sweeper config has the key.
    static func configWords(_ spec: StudySpec) -> [String] {
        let overrides = spec.passing == .overrides
        var words = overrides ? spec.configName.map { ["--config-name=\($0)"] } ?? [] : []
        words += (spec.jobOverrides ?? []) + (spec.commandLineJobOverrides ?? [])
        if overrides, spec.sweeperStudyNameKey == true {
            words.append("++hydra.sweeper.study_name=" + HydraOverride.text(.string(spec.studyName)))
        }
        return words
    }

    /// The words after a trial's values that `pass_config` asks for: hypertop's run directory and
    /// callback for a Hydra app, Scilab-RL's `+performance=...`, or none.
    static func wiring(_ spec: StudySpec, runDir: String) -> [String] {
        switch spec.passing {
        case .overrides: return [runDirPrefix + HydraOverride.text(.string(runDir)), callbackOverride]
        case .performance: return spec.performanceName.map { ["+performance=\($0)"] } ?? []
        case .none: return []
        }
    }

    static let runDirPrefix = "hydra.run.dir="

    /// Whether the trial's values go where the command's macros say (and nowhere else): always
    /// for a W&B sweep file, whose agent passes nothing else, and for any command with an
    /// argument macro (`${args}`, `${args_no_hyphens}`, ...).
    public static func byMacros(_ command: [String], spec: StudySpec) -> Bool {
        spec.isWandbSweep || CommandMacros.placesArguments(command)
    }

    /// The words of the job's own command in its argv: those before the first argument macro
    /// when the macros place the values, else the whole command.
    public static func jobWords(command: [String], spec: StudySpec) -> Int {
        byMacros(command, spec: spec) ? CommandMacros.leadingWords(command) : command.count
    }

    /// The JSON `${args_json_file}` names, when the command has that macro: written into the
    /// trial's directory (`argsJSONFileName`) before the job starts.
    public static func argsJSON(command: [String], spec: StudySpec, params: Params, seed: UInt32, epochCap: Int?) -> String? {
        guard byMacros(command, spec: spec), command.contains(where: { CommandMacros.macro($0) == "args_json_file" }) else { return nil }
        return CommandMacros.json(macroArguments(spec: spec, params: params, seed: seed, epochCap: epochCap))
    }

    /// What the macros pass: the constant values, the sampled ones, the seed (`seed_key`) and the
    /// epoch cap, each under its key (Hydra's `+`/`++` left off), nested back where W&B's nested
    /// `parameters:` made a dotted name. A W&B sweep's arguments come sorted by name at each
    /// level, as W&B's sweep engine orders a run's config (`HyperParameterSet` sorts its keys);
    /// hypertop's own format keeps the file's order.
    public static func macroArguments(spec: StudySpec, params: Params, seed: UInt32, epochCap: Int?) -> [CommandMacros.Argument] {
        var flat = spec.constantArguments ?? []
        for p in spec.space.parameters {
            if let v = params[p.name] { flat.append(ParamValue.Entry(p.key, v)) }
        }
        if let key = spec.seedKey { flat.append(ParamValue.Entry(key, .int(Int(seed)))) }
        if let epochCap { flat.append(ParamValue.Entry("n_epochs", .int(epochCap))) }
        let sorted = spec.isWandbSweep
        var top: [ParamValue.Entry] = []
        for entry in flat {
            insert(entry.value, at: (spec.argumentPaths?[entry.key] ?? [entry.key])[...], into: &top, sorted: sorted)
        }
        if sorted { top.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) } }
        return top.map { CommandMacros.Argument($0.key, $0.value) }
    }

    /// Puts `value` at `path` among `entries`, making the mappings on the way (kept sorted by key
    /// when `sorted`).
    private static func insert(_ value: ParamValue, at path: ArraySlice<String>, into entries: inout [ParamValue.Entry], sorted: Bool) {
        guard let head = path.first else { return }
        let i = entries.firstIndex { $0.key == head }
        var new = value
        if path.count > 1 {
            var children: [ParamValue.Entry] = []
            if let i, case .mapping(let existing) = entries[i].value { children = existing }
            insert(value, at: path.dropFirst(), into: &children, sorted: sorted)
            if sorted { children.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) } }
            new = .mapping(children)
        }
        if let i { entries[i].value = new } else { entries.append(ParamValue.Entry(head, new)) }
    }

    /// The words after the job's command that `launch` ran with (the file's keys, the command
    /// line's, the epoch cap it had, its sampled values and seed), less hypertop's own wiring (its
    /// run directory and the callback): what reproduces the trial after `python src/main.py`.
    public static func reproduction(of launch: TrialLaunch, spec: StudySpec) -> [String] {
        let words: ArraySlice<String>
        if let jobWords = launch.jobWords {
            words = launch.command.dropFirst(jobWords)
        } else {
            // Recorded before the job's words were counted: hypertop's words follow the job's
            // command, and their number does not depend on the values.
            let added = argv(command: [], spec: spec, params: launch.params, runDir: launch.runDir, seed: 0,
                             epochCap: spec.epochCap == nil ? nil : 0).count
            words = launch.command.suffix(min(added, launch.command.count))
        }
        return words.filter { !$0.hasPrefix(runDirPrefix) && $0 != callbackOverride }
    }
}
