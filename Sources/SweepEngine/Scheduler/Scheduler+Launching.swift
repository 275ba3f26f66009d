import Foundation
import HyperOpt
import JobContract

#if canImport(Glibc)
import Glibc
#endif

/// Launching: filling free slots from the planner and starting each trial's job.
extension Scheduler {
    func fillSlots() async {
        guard !setup.controls.paused else { return }
        // No launch while the store cannot be written, checked before each one: a launch whose
        // record failed is kept in the journal, and the next waits for the store.
        while running.count < setup.spec.nJobs && mayLaunchMore && durable?.isHolding != true {
            guard resources.hasRoom else {
                // Every GPU is taken: the slot stays free until a trial gives one back.
                if !waitingForGPU { note("A free slot waits for a GPU: all \(resources.gpus.count) are in use") }
                waitingForGPU = true
                return
            }
            waitingForGPU = false
            let number = nextNumber
            switch planner.next(trialNumber: number, study: study) {
            case .exhausted(let why):
                stops.exhaust(why)
            case .wait:
                return
            case .launch(let paramSet, let params, let repeatIndex):
                nextNumber += 1
                await launch(number: number, paramSet: paramSet, params: params, repeatIndex: repeatIndex)
            }
        }
    }

    func launch(number: Int, paramSet: Int, params: Params, repeatIndex: Int) async {
        // Its own time, not the tick's: a launch late in a long tick happens late.
        let now = clock.now()
        let spec = setup.spec
        let runDir = (setup.sweepDirectory as NSString).appendingPathComponent(String(number))
        let seed = trialSeed(number)
        let cap = spec.epochCap.map { EpochCap.current(initial: $0, study: study, criterion: spec.criterion) }
        let argv = TrialArguments.argv(command: setup.jobCommand, spec: spec, params: params, runDir: runDir, seed: seed, epochCap: cap)
        var launchFacts = TrialLaunch(number: number, paramSet: paramSet, repeatIndex: repeatIndex, params: params,
                                      runDir: runDir, command: argv, startedAt: now)
        let paths = TrialFiles(runDir: runDir)
        let placement = resources.take(trial: number) ?? ResourcePool.Placement()
        launchFacts.placement = placement.isEmpty ? nil : placement
        launchFacts.jobWords = TrialArguments.jobWords(command: setup.jobCommand, spec: spec)
        var env = setup.environment
        env.merge(ResourcePool.environment(for: placement, threads: setup.threadsPerTrial, base: setup.environment)) { _, new in new }
        env[TrialEnvironment.params] = JSONText.object(spec.space.parameters.compactMap { p in params[p.name].map { (p.key, $0.jsonText) } })
        env[TrialEnvironment.trialDirectory] = runDir
        env[TrialEnvironment.metrics] = paths.metrics
        env[TrialEnvironment.trialNumber] = String(number)
        env[TrialEnvironment.trialSeed] = String(seed)
        env[TrialEnvironment.study] = spec.studyName
        env[TrialEnvironment.engine] = OrphanJobs.engineToken
        if let root = setup.configRoot { env[TrialEnvironment.configRoot] = root }
        if spec.passing == .overrides, setup.installedCallback == nil {
            // The callback that captures the returned objective.
            env["PYTHONPATH"] = [setup.callbackDirectory, env["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        }
        // W&B files the trial's run in the trial's directory (where the engine reads it) and groups
        // the study's runs; what the user set is kept.
        let project = [("WANDB_PROJECT", spec.wandbProject), ("WANDB_ENTITY", spec.wandbEntity)].compactMap { k, v in v.map { (k, $0) } }
        for (key, value) in TrialEnvironment.wandb(study: spec.studyName, trial: number, runDir: runDir) + project where env[key] == nil {
            env[key] = value
        }
        // Hydra's whole traceback in stderr.log, ending in the exception line that becomes the reason.
        if env["HYDRA_FULL_ERROR"] == nil { env["HYDRA_FULL_ERROR"] = "1" }

        emit(.launched(launchFacts))
        // Recorded before the job exists: a resumed study then knows every job a dead engine left.
        flush()
        do {
            if let aside = try TrialFiles.moveAsideExisting(runDir) {
                note("Trial #\(number): \(runDir) already existed; moved it to \(aside) so the new trial reads only its own files")
            }
            try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
            try paths.writeLaunchRecord(argv: argv, params: params, space: spec.space, repeatIndex: repeatIndex, paramSet: paramSet)
            if let json = TrialArguments.argsJSON(command: setup.jobCommand, spec: spec, params: params, seed: seed, epochCap: cap) {
                try json.write(toFile: paths.argsJSON, atomically: true, encoding: .utf8)
            }
            let job = try await launcher.start(JobRequest(argv: argv, environment: env, workingDirectory: setup.jobDirectory,
                                                    stdoutPath: paths.stdout, stderrPath: paths.stderr, cpus: placement.cpus))
            running[number] = RunningTrial(job: job, tailer: MetricTailer(files: paths))
            if launcher.queuesJobs {
                // Submitted: queued until the job is seen running, however soon that is.
                running[number]?.queue = .some(nil)
                emit(.queued(trial: number, reason: nil, at: now))
            }
            // An interrupt that came while the job was being started ends it too.
            if let reason = terminatedBecause { terminate(trial: number, reason: reason) }
        } catch {
            finish(TrialOutcome(number: number, state: .failed, score: nil, reason: "could not start the job: \(FileErrorText.describe(error))",
                                exitStatus: nil, signal: nil, endedAt: clock.now()), runDir: runDir)
        }
    }

    /// A seed for the job that differs between repeats and is fixed by the study's seed.
    func trialSeed(_ number: Int) -> UInt32 { Self.trialSeed(studySeed: setup.seed, number: number) }

    public static func trialSeed(studySeed: UInt64, number: Int) -> UInt32 {
        var g = SeededGenerator(seed: studySeed ^ (UInt64(number) &* 0xD1B5_4A32_D192_ED03))
        return UInt32(truncatingIfNeeded: g.next() >> 33)
    }
}
