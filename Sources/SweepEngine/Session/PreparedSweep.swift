import Foundation
import HyperOpt

/// A sweep assembled once from its file and its command line, the same way for `run`, `test` and
/// `check`: the spec (with the overrides), its warnings, the job and where it runs, the seed and the
/// sweep directory. `setup` and `sampler` give the engine's inputs.
public struct PreparedSweep: Sendable {
    public var spec: StudySpec
    /// The config's warnings, then what the machine changed (`n_jobs` over the process limit).
    public var warnings: [String]
    public var job: JobLocator.Job
    public var projectDirectory: String
    public var sweepDirectory: String
    public var seed: UInt64
    /// The performance test the file is, for `test` (and `check` of a `*-test.yaml`).
    public var test: PerformanceTest?

    /// What the file is: a sweep, or a performance test (`performance_testing_conditions`).
    public enum Kind: Sendable { case sweep, test }

    /// - Parameters:
    ///   - command: `--command`'s text, split as a shell would (never run through one).
    ///   - seed: `--seed`; else the file's; else `fallbackSeed`; else drawn (`check` shows the first
    ///     trial of seed 0).
    ///   - capJobs: lower `n_jobs` to what this user may still start (`run`).
    public static func prepare(config: String, kind: Kind, overrides: [String] = [], command: String? = nil, seed: UInt64? = nil,
                               fallbackSeed: UInt64? = nil, projectDirectory: String, capJobs: Bool = false) throws -> PreparedSweep {
        var spec: StudySpec
        var warnings: [String] = []
        var test: PerformanceTest?
        switch kind {
        case .test:
            let t = try PerformanceTest.load(path: config, overrides: overrides)
            test = t
            spec = t.spec
        case .sweep:
            let checked = try ConfigLoader.check(path: config, overrides: overrides)
            spec = checked.spec
            warnings = checked.warnings.map(\.description)
        }
        if capJobs {
            let capped = ProcessLimits.cap(nJobs: spec.nJobs, limit: ProcessLimits.currentLimit(), inUse: ProcessLimits.userTasks())
            spec.nJobs = capped.nJobs
            if let warning = capped.warning { warnings.append("warning: \(warning)") }
        }
        let job = try JobLocator.resolve(spec: spec, commandLine: try command.map(JobLocator.commandWords), projectDirectory: projectDirectory,
                                         executableDirectory: JobLocator.executableDirectory)
        let sweepDirectory = absolute((spec.workdir as NSString).appendingPathComponent(spec.studyName), base: projectDirectory)
        return PreparedSweep(spec: spec, warnings: warnings, job: job, projectDirectory: projectDirectory, sweepDirectory: sweepDirectory,
                             seed: seed ?? spec.seed ?? fallbackSeed ?? UInt64.random(in: 0..<(1 << 32)), test: test)
    }

    /// The engine's setup, in `sweepDirectory` unless another is given (a test's fresh one);
    /// refused when the machine cannot give what each trial asks for (GPUs where none is visible).
    public func setup(sweepDirectory: String? = nil) throws -> SweepSetup {
        var setup = SweepSetup(spec: spec, jobCommand: job.argv, projectDirectory: projectDirectory,
                               sweepDirectory: sweepDirectory ?? self.sweepDirectory, configRoot: Self.configRoot(of: spec.configPath),
                               seed: seed, jobDirectory: job.directory)
        setup.warnings = warnings
        if let problem = setup.resourceProblem { throw SamplerConfigError(description: problem) }
        return setup
    }

    /// The sampler the config names.
    public func sampler() throws -> any Sampler {
        do {
            return try makeSampler(spec.sampler, space: spec.space)
        } catch {
            throw SamplerConfigError(description: "\(spec.configPath): \(error)")
        }
    }

    /// The first trial's exact argv, as `check` shows it.
    /// The study's launcher: local processes, or Slurm jobs once a Slurm controller answers here.
    public func launcher(tools: SlurmTools = SlurmTools()) async throws -> any Launcher {
        guard case .slurm(let options) = spec.launching else { return LocalLauncher() }
        if let why = await tools.unreachable() {
            throw SessionError("the study's launcher is Slurm (\(spec.configPath)), but \(why).")
        }
        return SlurmLauncher(options: options, studyName: spec.studyName, jobDirectory: job.directory, tools: tools)
    }

    public func firstTrialArgv() throws -> [String] {
        var planner = TrialPlanner(space: spec.space, direction: spec.direction, minPerParamSet: spec.minTrialsPerParam,
                                   maxPerParamSet: spec.maxTrialsPerParam, seed: seed, sampler: try sampler())
        var params = Params()
        if case .launch(_, let first, _) = planner.next(trialNumber: 0, study: Study()) { params = first }
        return TrialArguments.argv(command: job.argv, spec: spec, params: params, runDir: sweepDirectory + "/0",
                                   seed: Scheduler.trialSeed(studySeed: seed, number: 0), epochCap: spec.epochCap)
    }

    /// The directory that holds `conf/`, for jobs that look up `+performance=...` themselves.
    public static func configRoot(of configPath: String) -> String? {
        let parts = URL(fileURLWithPath: configPath).pathComponents
        guard let i = parts.lastIndex(of: "conf"), i > 0 else { return nil }
        return NSString.path(withComponents: Array(parts[..<i]))
    }
}

/// A sweep that cannot run as its config asks (a sampler that cannot work with its search space,
/// GPUs where none is visible).
public struct SamplerConfigError: UserError {
    public let description: String
}
