import Foundation
import JobContract

/// reach-trainer's command line: Hydra-style overrides in, a training run out.
public enum TrainerCommand {
    public static let usage = """
        usage: reach-trainer [+performance=<Env>/<name>] [[+|++]key=value ...]

        Trains a soft actor-critic with hindsight experience replay on a goal-reaching task and logs
        each evaluation like stable-baselines3: progress.csv in $HYPERTOP_TRIAL_DIR (else the current
        directory), a table on stdout, and JSON lines to $HYPERTOP_METRICS when it is set. Without
        seed=, the seed is $HYPERTOP_TRIAL_SEED when it is set, else drawn and printed on stderr.

        +performance=Reach/sac-opti reads the job keys of conf/performance/Reach/sac-opti.yaml under
        $HYPERTOP_CONFIG_ROOT, else under the current directory or its nearest parent that has it;
        overrides on the command line win over the file.

        keys:
        \(JobKey.allCases.map { "  " + $0.rawValue.padding(toLength: 32, withPad: " ", startingAt: 0) + $0.help }.joined(separator: "\n"))

        environments: \(ReachEnvironment.catalog.map(\.name).joined(separator: ", ")) (Dense: reward -distance)
        exit status: 0 trained (also when stopped early), 1 could not write its logs, 2 bad override or config.
        """

    /// The configuration that `arguments` (argv without the program name) describe.
    public static func configuration(arguments: [String], environment: [String: String],
                                     currentDirectory: String) throws(TrainerError) -> TrainingConfig {
        var overrides: [HydraOverride] = []
        for argument in arguments {
            if argument.hasPrefix("-") && !argument.hasPrefix("+") {
                throw .malformedOverride(argument, reason: "reach-trainer takes no options, only key=value overrides "
                                         + "(sweeps are run by hypertop; see --help)")
            }
            overrides.append(try HydraOverride(parsing: argument))
        }
        var config = TrainingConfig()
        // Hydra composes the config group first, then applies the command line, whatever the order on argv.
        if let performance = overrides.last(where: { $0.key == "performance" }) {
            guard let name = performance.value.text, !name.isEmpty else {
                throw .badValue(key: "performance", value: performance.value, expected: "a config name such as Reach/sac-opti",
                                origin: .override(performance.text))
            }
            let path = try PerformanceConfig.locate(name, environment: environment, currentDirectory: currentDirectory)
            for setting in try PerformanceConfig(path: path).settings {
                try apply(setting.key, setting.value, to: &config,
                          origin: .configFile(path: path, line: setting.line, key: setting.key))
            }
        }
        for override in overrides where override.key != "performance" {
            try apply(override.key, override.value, to: &config, origin: .override(override.text))
        }
        return config
    }

    private static func apply(_ key: String, _ value: HydraValue, to config: inout TrainingConfig,
                              origin: SettingOrigin) throws(TrainerError) {
        guard let jobKey = JobKey(rawValue: key) else { throw .unknownKey(key, origin: origin) }
        if let expected = jobKey.apply(value, to: &config) {
            throw .badValue(key: key, value: value, expected: expected, origin: origin)
        }
    }

    /// The run's seed: `seed=` when given, else the sweep's `$HYPERTOP_TRIAL_SEED` (different for each repeat of
    /// a parameter set, fixed by the study's seed), else a fresh one; with a note on where it came from.
    static func seed(_ config: TrainingConfig, environment: [String: String]) throws(TrainerError) -> (UInt64, String) {
        if let seed = config.seed { return (seed, "") }
        if let text = environment[TrialEnvironment.trialSeed], !text.isEmpty {
            guard let seed = UInt64(text) else {
                throw .badEnvironment(name: TrialEnvironment.trialSeed, value: text, expected: "an integer >= 0")
            }
            return (seed, " (from \(TrialEnvironment.trialSeed))")
        }
        var system = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64(UInt32.max), using: &system)
        return (seed, " (drawn; pass seed=\(seed) to repeat)")
    }

    /// Runs the command and returns its exit status; `standardOutput` gets the metric tables,
    /// `standardError` one-line notes and errors.
    public static func main(arguments: [String], environment: [String: String], currentDirectory: String,
                            standardOutput: @escaping (String) -> Void, standardError: (String) -> Void) -> Int32 {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            standardOutput(usage + "\n")
            return 0
        }
        do throws(TrainerError) {
            let config = try configuration(arguments: arguments, environment: environment, currentDirectory: currentDirectory)
            let (seed, seedOrigin) = try seed(config, environment: environment)
            let runDirectory = environment[TrialEnvironment.trialDirectory].flatMap { $0.isEmpty ? nil : $0 } ?? currentDirectory
            let metricsPath = environment[TrialEnvironment.metrics].flatMap { $0.isEmpty ? nil : $0 }
            // Notes go to stderr: the engine reads key=value lines on stdout as metrics.
            standardError("reach-trainer: \(config.environmentName), seed \(seed)\(seedOrigin), "
                          + "up to \(config.nEpochs) epochs of \(config.evalAfterNSteps) steps\n")
            let log = try ProgressLog(runDirectory: runDirectory, metricsPath: metricsPath, echo: standardOutput)
            let result = try Trainer(config: config, seed: seed).run(log: log.write)
            if result.stoppedEarly {
                standardError("reach-trainer: stopped early after \(result.history.count) epochs: the mean of the last "
                              + "\(config.earlyStopLastN) \(config.earlyStopDataColumn) reached \(config.earlyStopThreshold)\n")
            } else {
                standardError("reach-trainer: finished \(result.totalTimesteps) steps\n")
            }
            return 0
        } catch {
            standardError("reach-trainer: \(error)\n")
            return error.exitStatus
        }
    }
}
