import Foundation

/// The argv of one trial's job: the command, then what the study passes (see `PassConfig`).
public enum TrialArguments {
    /// The Hydra callback hypertop puts on the job's `PYTHONPATH` (its source is in SweepEngine).
    public static let callbackModule = "hypertop_hydra"
    public static let callbackClass = "ReturnValue"
    public static var callbackOverride: String {
        "++hydra.callbacks.hypertop._target_=\(callbackModule).\(callbackClass)"
    }

    public static func argv(command: [String], spec: StudySpec, params: Params, runDir: String,
                            seed: UInt32, epochCap: Int?) -> [String] {
        var argv = command
        let passing = spec.passing
        if passing == .overrides, let name = spec.configName { argv.append("--config-name=\(name)") }
        argv += spec.jobOverrides ?? []
        // The command line's, after the file's: the last one wins in Hydra, as on the original's command line.
        argv += spec.commandLineJobOverrides ?? []
        if passing == .overrides, spec.sweeperStudyNameKey == true {
            argv.append("++hydra.sweeper.study_name=" + HydraOverride.text(.string(spec.studyName)))
        }
        if let epochCap { argv.append((passing == .overrides ? "++" : "") + "n_epochs=\(epochCap)") }
        for p in spec.space.parameters {
            if let v = params[p.name] { argv.append(HydraOverride.argument(name: p.name, value: v)) }
        }
        if let key = spec.seedKey { argv.append("++\(key)=\(seed)") }
        switch passing {
        case .overrides:
            argv.append(runDirPrefix + HydraOverride.text(.string(runDir)))
            argv.append(callbackOverride)
        case .performance:
            if let performance = spec.performanceName { argv.append("+performance=\(performance)") }
        case .none:
            break
        }
        return argv
    }

    static let runDirPrefix = "hydra.run.dir="

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
