import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Receives every engine event before anyone else sees it (the study store).
public protocol EventSink: Sendable {
    func record(_ events: [EngineEvent]) throws
    /// Called every few seconds with the numbers of the running trials.
    func heartbeat(running: [Int], at date: Date) throws
    /// Where events the sink could not record are kept until it can; nil for nowhere but memory.
    var journal: StoreJournal? { get }
}

extension EventSink {
    public func heartbeat(running: [Int], at date: Date) throws {}
    public var journal: StoreJournal? { nil }
}

/// Where and how a study runs; built by the CLI from the spec and the command line.
public struct SweepSetup: Sendable {
    public var spec: StudySpec
    /// The job's argv before the parameter overrides.
    public var jobCommand: [String]
    /// Working directory of the jobs and home of the stop and pause files (where hypertop was started).
    public var projectDirectory: String
    /// Absolute `<workdir>/<study_name>`; trial `n` runs in `<sweepDirectory>/n`.
    public var sweepDirectory: String
    /// Directory that holds `conf/`, given to the job as `$HYPERTOP_CONFIG_ROOT`.
    public var configRoot: String?
    /// Where the jobs run: the Hydra project's root for a user's app, else `projectDirectory`.
    public var jobDirectory: String
    public var seed: UInt64
    public var pollInterval: Duration
    /// How often the running trials' use of the machine is measured (the dashboard's refresh);
    /// nil: never (the scheduler's own tests).
    public var usageInterval: TimeInterval?
    /// Most bounded reads (4 MB each) of an ended trial's files before its end is reported: 1 GB a
    /// file, so a process the job left behind that goes on writing cannot hold the engine.
    public var maxReadsAtEnd = 256
    /// The config's warnings (`warning: FILE:LINE: ...`), said in the study's log at its start.
    public var warnings: [String] = []
    /// This study's stop and pause files in the project directory (see `ControlFiles`), chosen
    /// once: the engine, the store's record and the dashboard's keys all use these.
    public let controls: ControlFiles
    /// The engine's environment, which every job inherits (a user's thread counts in it win).
    public var environment: [String: String]
    /// What of the machine each trial gets; by default the engine's CPUs shared among the slots.
    public var resources: ResourcePool
    /// The site-packages holding the wheel's `hypertop_hydra`, when the job's Python imports it
    /// there (see `HydraCallback.installedPackage`); nil: the study writes its own copy.
    public var installedCallback: String?

    public init(spec: StudySpec, jobCommand: [String], projectDirectory: String, sweepDirectory: String,
                configRoot: String?, seed: UInt64, jobDirectory: String? = nil, pollInterval: Duration = .milliseconds(100),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.spec = spec
        self.jobDirectory = jobDirectory ?? projectDirectory
        self.jobCommand = jobCommand
        self.projectDirectory = projectDirectory
        self.sweepDirectory = sweepDirectory
        self.configRoot = configRoot
        self.seed = seed
        self.pollInterval = pollInterval
        controls = ControlFiles.choose(directory: projectDirectory, study: spec.studyName)
        self.environment = environment
        resources = MachineResources.pool(for: spec, slots: spec.nJobs, environment: environment)
        installedCallback = spec.passing == .overrides ? HydraCallback.installedPackage(jobCommand: jobCommand, environment: environment) : nil
    }

    /// Threads each trial is told to use (0: none).
    public var threadsPerTrial: Int { MachineResources.threads(for: spec, pool: resources) }

    /// Why the study cannot start with the resources it asks for, or nil.
    public var resourceProblem: String? {
        guard let gpuSlots = resources.gpuSlots, gpuSlots == 0 else { return nil }
        let visible = environment["CUDA_VISIBLE_DEVICES"].map { "CUDA_VISIBLE_DEVICES is `\($0)`" } ?? "no NVIDIA GPU is visible"
        return resources.gpus.isEmpty
            ? "gpus_per_trial is \(MachineResources.number(resources.gpusPerTrial)), but \(visible); set CUDA_VISIBLE_DEVICES to the GPUs to use, or drop gpus_per_trial."
            : "gpus_per_trial is \(MachineResources.number(resources.gpusPerTrial)), but only \(resources.gpus.count) GPU\(resources.gpus.count == 1 ? " is" : "s are") visible (\(resources.gpus.joined(separator: ","))); lower it."
    }

    /// The study as the store and the dashboard know it: one value, made once by whoever starts it.
    public func info(startedAt: Date) -> StudyInfo {
        StudyInfo(spec: spec, sweepDir: sweepDirectory, stopFile: controls.stopFile, pauseFile: controls.pauseFile, startedAt: startedAt)
    }

    /// Commands from `hypertop attach` (see `RequestFiles`).
    public var requests: RequestFiles { RequestFiles(sweepDirectory: sweepDirectory, controls: controls) }

    /// Where hypertop's Hydra callback module lives for this study's jobs.
    public var callbackDirectory: String { Self.callbackDirectory(sweepDirectory: sweepDirectory) }

    /// The same for the study whose sweep directory this is (`best --exec` reuses its stand-in).
    public static func callbackDirectory(sweepDirectory: String) -> String {
        (sweepDirectory as NSString).appendingPathComponent(".hypertop")
    }
}
