import Foundation

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

    static let conditionKeys = ["total_runs", "succ_runs", "eval_columns", "eval_value", "max_steps"]
    static let sweeperKeys = ["study_name", "n_jobs", "max_duration_minutes", "command", "workdir", "pass_config", "seed_key",
                              "cpus_per_trial", "gpus_per_trial", "_target_"]

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
        let doc = Doc(path: full)
        let top = try doc.mapping(root, "the file")
        guard let condNode = try doc.value(top, "performance_testing_conditions") else {
            throw ConfigError(file: full, line: nil, "no `performance_testing_conditions:` block; add total_runs, succ_runs, eval_columns, eval_value and max_steps.")
        }
        let cond = try doc.mapping(condNode, "`performance_testing_conditions`")
        for (k, _) in cond where !conditionKeys.contains(k.string ?? "") {
            throw doc.error(k, "unknown key `\(k.string ?? "")` in performance_testing_conditions; known keys: \(conditionKeys.joined(separator: ", ")).")
        }
        let context = "performance_testing_conditions"
        let total = try doc.int(try doc.required(cond, "total_runs", in: condNode, context: context), "total_runs", min: 1,
                                max: ConfigLoader.maxRepeats)
        let succNode = try doc.required(cond, "succ_runs", in: condNode, context: context)
        let succ = try doc.int(succNode, "succ_runs", min: 1)
        if succ > total { throw doc.error(succNode, "succ_runs (\(succ)) is larger than total_runs (\(total)); the test could never pass.") }
        let column = try doc.string(try doc.required(cond, "eval_columns", in: condNode, context: context), "eval_columns")
        let value = try doc.double(try doc.required(cond, "eval_value", in: condNode, context: context), "eval_value", positive: false)
        let maxSteps = try doc.value(cond, "max_steps").map { try doc.int($0, "max_steps", min: 1) }
        let project = HydraProject.find(configPath: full)
        var job = try JobConfig.compose(project: project, sweepFile: file, top: top, doc: doc)
        let forJob = overrides.filter { !$0.isSweepSetting }
        for o in forJob { job.merge(override: o) }
        var evalSteps: Int?
        if let s = job["eval_after_n_steps"], s.node.null == nil {
            evalSteps = try Doc(path: s.file, warnings: doc.warnings).int(s.node, "eval_after_n_steps", min: 1)
        }

        let fileName = URL(fileURLWithPath: full).deletingPathExtension().lastPathComponent
        var test = PerformanceTest(name: fileName, totalRuns: total, succRuns: succ, evalColumn: column, evalValue: value,
                                   maxSteps: maxSteps, evalAfterNSteps: evalSteps, nJobs: 1, maxDurationMinutes: nil,
                                   command: nil, workdir: "data", configPath: full)
        if let hydra = try doc.value(top, "hydra"), let sweeperNode = try doc.value(try doc.mapping(hydra, "`hydra`"), "sweeper") {
            let sweeper = try doc.mapping(sweeperNode, "`hydra.sweeper`")
            for (k, _) in sweeper where !sweeperKeys.contains(k.string ?? "") {
                throw doc.error(k, "unknown key `\(k.string ?? "")` in hydra.sweeper of a performance test; known keys: \(sweeperKeys.dropLast().joined(separator: ", ")).")
            }
            if let n = try doc.value(sweeper, "study_name") { test.name = try doc.string(n, "study_name") }
            if let n = try doc.value(sweeper, "n_jobs") { test.nJobs = try doc.int(n, "n_jobs", min: 1) }
            if let n = try doc.value(sweeper, "max_duration_minutes") { test.maxDurationMinutes = try doc.double(n, "max_duration_minutes", positive: true) }
            if let n = try doc.value(sweeper, "command") { test.command = try doc.stringList(n, "command") }
            if let n = try doc.value(sweeper, "workdir") { test.workdir = try doc.string(n, "workdir") }
            if let n = try doc.value(sweeper, "seed_key") { test.seedKey = try doc.string(n, "seed_key") }
            if let n = try doc.value(sweeper, "cpus_per_trial") { test.cpusPerTrial = try doc.int(n, "cpus_per_trial", min: 0, max: ConfigLoader.maxJobs) }
            if let n = try doc.value(sweeper, "gpus_per_trial") { test.gpusPerTrial = try ConfigLoader.gpusPerTrial(n, doc: doc) }
            if let n = try doc.value(sweeper, "pass_config") {
                let name = try doc.string(n, "pass_config")
                guard let mode = PassConfig(rawValue: name) else {
                    throw doc.error(n, "pass_config `\(name)` is not one of \(PassConfig.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                test.passConfig = mode
            }
        }
        test.commandLineOverrides = overrides.map(\.text)
        test.commandLineJobOverrides = forJob.map(\.text)
        if test.passConfig == .overrides {
            var skipping: Set<String> = ["n_epochs"]
            if let key = test.seedKey { skipping.insert(key) }
            test.jobOverrides = try JobConfig.overrides(top: top, primaryGroups: job.primaryGroups, doc: doc, skipping: skipping)
        }
        return test
    }
}
