import Foundation
import HyperOpt
import JobContract
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this process so far, user and system.
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// What measuring `trials` running trials costs the engine (issue 29: under 2% of a core at a
/// refresh of 1 s). Each trial is a real process tree like a small job's: a shell, a child in its
/// group and one that left it (`setsid`), all carrying the trial's directory. The first sample
/// reads every new process's environment once; the steady samples read one `stat` per process
/// on the machine. Returns the CPU milliseconds of the first sample and the median of the rest.
func usageCost(trials: Int, samples: Int, interval: Double) async -> [String: Any] {
    let root = NSTemporaryDirectory() + "usage-cost-\(getpid())"
    let launcher = LocalLauncher()
    var jobs: [UsageSampler.Job] = []
    var handles: [JobHandle] = []
    var env = ProcessInfo.processInfo.environment
    for n in 0..<trials {
        let dir = "\(root)/\(n)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        env[TrialEnvironment.trialDirectory] = dir
        guard let job = try? await launcher.start(JobRequest(argv: ["/bin/sh", "-c", "sleep 600 & setsid sleep 600 & wait"], environment: env,
                                                             workingDirectory: dir, stdoutPath: dir + "/stdout.log", stderrPath: dir + "/stderr.log"))
        else { continue }
        handles.append(job)
        jobs.append(UsageSampler.Job(number: n, group: job.id, runDir: dir, startedAt: Date()))
    }
    try? await Task.sleep(for: .milliseconds(500))
    var sampler = UsageSampler()
    var t = ownCPUSeconds()
    var sample = sampler.sample(jobs, now: Date())
    let first = (ownCPUSeconds() - t) * 1000
    var steady: [Double] = []
    for _ in 0..<samples {
        try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        t = ownCPUSeconds()
        sample = sampler.sample(jobs, now: Date())
        steady.append((ownCPUSeconds() - t) * 1000)
    }
    let processes = sample.trials.values.reduce(0) { $0 + $1.processes }
    let onMachine = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }.count
    for job in handles {
        await launcher.signal(job, SIGKILL)
        _ = await launcher.poll([job])
    }
    try? FileManager.default.removeItem(atPath: root)
    steady.sort()
    let median = steady.isEmpty ? 0 : steady[steady.count / 2]
    return ["trials": jobs.count, "trial_processes": processes, "machine_processes": onMachine, "first_ms": first,
            "steady_ms": median, "percent_of_a_core_at_1s": median / 10, "gpu": sampler.gpuNote ?? "NVML"]
}
