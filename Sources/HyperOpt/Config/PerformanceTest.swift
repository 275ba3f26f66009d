import Foundation
import Yams

/// A Scilab-RL performance test (`*-test.yaml`): run `totalRuns` identical jobs and pass when at
/// least `succRuns` of them end with `evalColumn >= evalValue`.
public struct PerformanceTest: Sendable, Equatable {
    public var name: String
    public var totalRuns: Int
    public var succRuns: Int
    public var evalColumn: String
    public var evalValue: Double
    public var maxSteps: Int?
    public var evalAfterNSteps: Int?
    public var nJobs: Int
    public var maxDurationMinutes: Double?
    public var command: [String]?
    public var workdir: String
    public var configPath: String

    /// `n_epochs` the jobs get: max_steps / eval_after_n_steps, as Scilab-RL computes it.
    public var nEpochs: Int? {
        guard let maxSteps, let evalAfterNSteps, evalAfterNSteps > 0 else { return nil }
        return max(1, maxSteps / evalAfterNSteps)
    }

    /// Whether one run passed: it completed and its last `eval_columns` value (its score, the
    /// `last` rule) is at least `eval_value`.
    public func succeeded(_ outcome: TrialOutcome?) -> Bool {
        guard let outcome, outcome.state == .complete, let last = outcome.score else { return false }
        return last >= evalValue
    }

    /// The verdict once `successes` of `finished` runs passed: nil while undecided.
    public func verdict(successes: Int, finished: Int) -> Bool? {
        if successes >= succRuns { return true }
        if totalRuns - finished < succRuns - successes { return false }
        return nil
    }

    /// How the jobs get the file's keys, and the file's keys as overrides (see `StudySpec`).
    public var passConfig: PassConfig = .overrides
    public var jobOverrides: [String] = []
    public var seedKey: String?
    /// `cpus_per_trial` and `gpus_per_trial`, as for a sweep.
    public var cpusPerTrial: Int?
    public var gpusPerTrial: Double?
    /// The command line's overrides, and those of them that go to every run's job.
    public var commandLineOverrides: [String] = []
    public var commandLineJobOverrides: [String] = []

    /// The test as a study: one empty parameter set run `totalRuns` times, scored by the last
    /// value of `evalColumn`.
    public var spec: StudySpec {
        var spec = StudySpec(studyName: name, maxTrials: totalRuns, nJobs: nJobs, direction: .maximize, maxDurationMinutes: maxDurationMinutes,
                             minTrialsPerParam: totalRuns, maxTrialsPerParam: totalRuns, space: SearchSpace([]), command: command,
                             sampler: .random, workdir: workdir, score: .last, criterion: evalColumn, nEpochs: nEpochs,
                             evalAfterNSteps: evalAfterNSteps, configPath: configPath,
                             performanceName: ConfigLoader.performanceName(forConfigAt: configPath))
        spec.passConfig = passConfig
        var overrides = jobOverrides
        if let nEpochs { overrides.append((passConfig == .overrides ? "++" : "") + "n_epochs=\(nEpochs)") }
        spec.jobOverrides = overrides
        if !commandLineOverrides.isEmpty {
            spec.commandLineOverrides = commandLineOverrides
            spec.commandLineJobOverrides = commandLineJobOverrides
        }
        spec.cpusPerTrial = cpusPerTrial
        spec.gpusPerTrial = gpusPerTrial
        spec.seedKey = seedKey
        spec.maxInitialFailures = ConfigLoader.defaultMaxInitialFailures
        return spec
    }

    /// `performance_testing_conditions`, Scilab-RL's keys; the first four are required.
    static let conditionKeys = KeyTable<PerformanceTest>("performance_testing_conditions (a performance test)", [
        .init("total_runs", "identical runs in all, up to \(ConfigLoader.maxRepeats)", absent: required("total_runs")) { yaml, v, t in
            t.totalRuns = try yaml.int(v, "total_runs", min: 1, max: ConfigLoader.maxRepeats)
        },
        .init("succ_runs", "runs that must succeed for the test to pass", absent: required("succ_runs")) { yaml, v, t in
            t.succRuns = try yaml.int(v, "succ_runs", min: 1)
            if t.succRuns > t.totalRuns {
                throw yaml.error(v, "succ_runs (\(t.succRuns)) is larger than total_runs (\(t.totalRuns)); the test could never pass.")
            }
        },
        .init("eval_columns", "the metric a run's last value of is compared, e.g. eval/success_rate", absent: required("eval_columns")) { yaml, v, t in
            t.evalColumn = try yaml.string(v, "eval_columns")
        },
        .init("eval_value", "a run succeeds when its last eval_columns value is at least this", absent: required("eval_value")) { yaml, v, t in
            t.evalValue = try yaml.double(v, "eval_value", positive: false)
        },
        .init("max_steps", "the runs' steps: n_epochs = max_steps / eval_after_n_steps") { yaml, v, t in
            t.maxSteps = try yaml.int(v, "max_steps", min: 1)
        },
    ])

    /// Refuses a test without `key`, at the block.
    private static func required(_ key: String) -> KeyTable<PerformanceTest>.Reader {
        { yaml, block, _ in throw yaml.error(block, "performance_testing_conditions needs `\(key)`.") }
    }

    /// `hydra.sweeper` of a performance test: how its runs are launched.
    static let sweeperKeys = KeyTable<PerformanceTest>("hydra.sweeper (a performance test)", [
        .init("study_name", "the test's name and its directory's (default: the file's name)") { yaml, v, t in
            t.name = try yaml.string(v, "study_name")
        },
        .init("n_jobs", "runs at once (default 1)") { yaml, v, t in
            t.nJobs = try yaml.int(v, "n_jobs", min: 1)
        },
        .init("max_duration_minutes", "the test's time limit (default none)") { yaml, v, t in
            t.maxDurationMinutes = try yaml.double(v, "max_duration_minutes", positive: true)
        },
        .init("command", "the job's argv, e.g. [python, train.py] (default: the Hydra app beside conf/)") { yaml, v, t in
            t.command = try yaml.stringList(v, "command")
        },
        .init("workdir", "where the test's directory and the store go (default data)") { yaml, v, t in
            t.workdir = try yaml.string(v, "workdir")
        },
        .init("seed_key", "a job key that receives each run's seed, e.g. seed (default none)") { yaml, v, t in
            t.seedKey = try yaml.string(v, "seed_key")
        },
        .init("cpus_per_trial", "CPUs each run gets; 0: off (default: the engine's shared among the slots)") { yaml, v, t in
            t.cpusPerTrial = try yaml.int(v, "cpus_per_trial", min: 0, max: ConfigLoader.maxJobs)
        },
        .init("gpus_per_trial", "GPUs each run gets: a fraction up to 1 shares one, or whole GPUs (default none)") { yaml, v, t in
            t.gpusPerTrial = try ConfigLoader.gpusPerTrial(v, yaml: yaml)
        },
        .init("pass_config", "how the job gets the file's keys: \(PassConfig.allCases.map(\.rawValue).joined(separator: ", ")) (default overrides)") { yaml, v, t in
            t.passConfig = try ConfigLoader.passConfig(v, yaml: yaml)
        },
        .ignored("_target_", "Hydra's sweeper class; accepted and ignored"),
    ])

    /// The test at `path`, with Hydra-style `overrides` from the command line (see `CommandLineOverride`).
    public static func load(path: String, overrides: [String] = []) throws -> PerformanceTest {
        let file = try YAMLFile.read(path, what: "the test file")
        return try CommandLineOverride.blamed(try overrides.map(CommandLineOverride.parse)) { try load(file, overrides: $0) }
    }

    static func load(_ file: YAMLFile, overrides: [CommandLineOverride]) throws -> PerformanceTest {
        let full = file.path
        guard let fileRoot = file.root else {
            throw ConfigError(file: full, line: nil, "the file is empty; a performance test needs `performance_testing_conditions`.")
        }
        let root = try CommandLineOverride.apply(overrides, to: fileRoot)
        let yaml = YAMLReader(path: full)
        let top = try yaml.mapping(root, "the file")
        guard let condNode = top.value("performance_testing_conditions") else {
            throw ConfigError(file: full, line: nil, "no `performance_testing_conditions:` block; add total_runs, succ_runs, eval_columns, eval_value and max_steps.")
        }
        let fileName = URL(fileURLWithPath: full).deletingPathExtension().lastPathComponent
        // The four required conditions replace these placeholders, or the table refuses the file.
        var test = PerformanceTest(name: fileName, totalRuns: 0, succRuns: 0, evalColumn: "", evalValue: 0,
                                   maxSteps: nil, evalAfterNSteps: nil, nJobs: 1, maxDurationMinutes: nil,
                                   command: nil, workdir: "data", configPath: full)
        try conditionKeys.read(try yaml.mapping(condNode, "`performance_testing_conditions`"), at: condNode, yaml,
                               place: "in performance_testing_conditions", into: &test)
        let project = HydraProject.find(configPath: full)
        var job = try JobConfig.compose(project: project, sweepFile: file, top: top, yaml: yaml)
        let forJob = overrides.filter { !$0.isSweepSetting }
        for o in forJob { job.merge(override: o) }
        if let s = job["eval_after_n_steps"], s.node.null == nil {
            test.evalAfterNSteps = try YAMLReader(path: s.file, warnings: yaml.warnings).int(s.node, "eval_after_n_steps", min: 1)
        }
        if let hydra = top.value("hydra"), let sweeperNode = try yaml.mapping(hydra, "`hydra`").value("sweeper") {
            try sweeperKeys.read(try yaml.mapping(sweeperNode, "`hydra.sweeper`"), at: sweeperNode, yaml,
                                 place: "in hydra.sweeper of a performance test", into: &test)
        }
        test.commandLineOverrides = overrides.map(\.text)
        test.commandLineJobOverrides = forJob.map(\.text)
        if test.passConfig == .overrides {
            var skipping: Set<String> = ["n_epochs"]
            if let key = test.seedKey { skipping.insert(key) }
            test.jobOverrides = try JobConfig.overrides(top: top, primaryGroups: job.primaryGroups, yaml: yaml, skipping: skipping)
        }
        return test
    }
}
