import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// What a local job's leader used, as `wait4` reported it when it was reaped: its own CPU time
/// and that of every descendant it waited for.
public struct JobRusage: Sendable, Hashable {
    public var cpuSeconds: Double

    public init(cpuSeconds: Double) { self.cpuSeconds = cpuSeconds }
}

/// Measures what each running trial costs the machine, from `/proc` (and NVML where there is an
/// NVIDIA driver), once per refresh: the job and every process it started, those that left its
/// process group too.
///
/// A process belongs to a trial when it is in the job's process group, when its environment
/// names the trial's directory (`HYPERTOP_TRIAL_DIR`; read once per process, and only for those
/// started after the engine), or when its parent belongs to it. CPU time in all is the live
/// processes' own and waited-for children's time, plus the last time seen of those that ended
/// without a parent in the trial to collect it; at the end, the job's own `wait4` figure when it
/// is larger. The cost is one `stat` read per process on the machine and one `environ` read per
/// new process (`Benchmarks/usage.sh` measures it).
public struct UsageSampler {
    /// A running trial as the sampler finds its processes.
    public struct Job: Sendable {
        public var number: Int
        /// The job's process group, for a local job.
        public var group: Int32?
        public var runDir: String
        public var startedAt: Date

        public init(number: Int, group: Int32?, runDir: String, startedAt: Date) {
            self.number = number
            self.group = group
            self.runDir = runDir
            self.startedAt = startedAt
        }
    }

    /// One process of a trial as last seen.
    private struct Member {
        var startTicks: UInt64
        var parent: Int32
        var ticks: UInt64
    }

    /// What is known of a trial between samples.
    private struct Track {
        var members: [Int32: Member] = [:]
        /// Ticks of processes that ended with no parent in the trial to collect their time.
        var departedTicks: UInt64 = 0
        var cpuSeconds = 0.0
        var lastAt: Date?
        var peakRSS: UInt64 = 0
        var peakGPU: UInt64?
        var idleSince: Date?
        var everMeasured = false
    }

    private var reader = ProcReader()
    private var tracks: [Int: Track] = [:]
    /// Whose environment was read, by pid and start: the trial directory it names, or nil.
    private var environments: [Int32: (start: UInt64, runDir: String?)] = [:]
    private var lastCPU: (busy: UInt64, total: UInt64)?
    private let ticksPerSecond: Double
    private let pageSize: UInt64
    /// The engine's own start, in clock ticks since boot: older processes are no trial's.
    private let engineStartTicks: UInt64
    private let engine: Int32
    private let gpu: NVML?
    /// Why GPUs are not measured, when they are not.
    public let gpuNote: String?
    /// How long a trial may use no CPU and no GPU before it is marked idle.
    public var idleAfter: Double

    /// `nvml`: nil to measure no GPU (tests); by default the driver's library, when it loads.
    public init(idleAfter: Double = StudySpec.defaultIdleAfterSeconds, nvml: Result<NVML, NVMLUnavailable>? = NVML.load()) {
        self.idleAfter = idleAfter
        ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        pageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        engine = getpid()
        var reader = ProcReader()
        engineStartTicks = reader.stat(getpid())?.startTicks ?? 0
        switch nvml {
        case .success(let library)?: (gpu, gpuNote) = (library, nil)
        case .failure(let why)?: (gpu, gpuNote) = (nil, why.description)
        case nil: (gpu, gpuNote) = (nil, "no GPU: not measured")
        }
    }

    /// Measures the machine and every job now.
    public mutating func sample(_ jobs: [Job], now: Date) -> UsageSample {
        let byGroup = Dictionary(jobs.compactMap { j in j.group.map { ($0, j.number) } }, uniquingKeysWith: { a, _ in a })
        let byDir = Dictionary(jobs.map { ($0.runDir, $0.number) }, uniquingKeysWith: { a, _ in a })
        var stats: [Int32: ProcessStat] = [:]
        var owner: [Int32: Int] = [:]
        // With no trial running, only the machine is measured: no process is read.
        let pids = jobs.isEmpty ? [] : ProcReader.pids()
        stats.reserveCapacity(pids.count)
        for pid in pids where pid != engine {
            guard let s = reader.stat(pid) else { continue }
            stats[pid] = s
            if let n = byGroup[s.group] {
                owner[pid] = n
            } else if !jobs.isEmpty, s.startTicks >= engineStartTicks, let n = trialDirectory(of: s).flatMap({ byDir[$0] }) {
                owner[pid] = n
            }
        }
        // A process whose environment was cleared still belongs to its parent's trial.
        for (pid, s) in stats where owner[pid] == nil && s.startTicks >= engineStartTicks {
            var chain: [Int32] = [], p = s.parent
            while p > 1, chain.count < 64, owner[p] == nil, let up = stats[p], up.startTicks >= engineStartTicks {
                chain.append(p)
                p = up.parent
            }
            if let n = owner[p] {
                owner[pid] = n
                for q in chain { owner[q] = n }
            }
        }
        var members: [Int: [ProcessStat]] = [:]
        for (pid, n) in owner { members[n, default: []].append(stats[pid]!) }
        environments = environments.filter { stats[$0.key]?.startTicks == $0.value.start }

        var gpuBytes: [Int32: UInt64] = [:], gpuPercent: [Int32: Double] = [:]
        var gpus: [GPUUse] = []
        if let gpu {
            let reading = gpu.read()
            gpus = reading.devices
            for p in reading.processes {
                if let m = p.memory { gpuBytes[p.pid, default: 0] += m }
                if let u = p.smUtilization { gpuPercent[p.pid, default: 0] += u }
            }
        }

        var trials: [Int: TrialUsage] = [:]
        for job in jobs {
            trials[job.number] = measure(job, members[job.number] ?? [], gpuBytes: gpu == nil ? nil : gpuBytes,
                                         gpuPercent: gpu == nil ? nil : gpuPercent, now: now)
        }
        let running = Set(jobs.map(\.number))
        tracks = tracks.filter { running.contains($0.key) }
        return UsageSample(at: now, machine: machine(gpus: gpus), trials: trials)
    }

    /// What the trial used in all, once its job ended: the last sample's figures, with the CPU
    /// time the job's own `wait4` reported where it is larger (time used after the last sample).
    /// Its `ru_maxrss` is not taken: a job spawned the vfork way starts in the engine's memory,
    /// whose high-water mark the kernel keeps as the job's. nil for a trial never measured (a job
    /// on another node).
    public mutating func end(trial: Int, rusage: JobRusage?) -> ResourceTotals? {
        guard let track = tracks.removeValue(forKey: trial), track.everMeasured else { return nil }
        return ResourceTotals(cpuSeconds: max(track.cpuSeconds, rusage?.cpuSeconds ?? 0), peakRSSBytes: track.peakRSS,
                              peakGPUBytes: track.peakGPU)
    }

    private mutating func trialDirectory(of s: ProcessStat) -> String? {
        if let known = environments[s.pid], known.start == s.startTicks { return known.runDir }
        let dir = OrphanJobs.trialDirectory(ofProcess: s.pid)?.runDir
        environments[s.pid] = (s.startTicks, dir)
        return dir
    }

    private mutating func measure(_ job: Job, _ live: [ProcessStat], gpuBytes: [Int32: UInt64]?, gpuPercent: [Int32: Double]?,
                                  now: Date) -> TrialUsage {
        var track = tracks[job.number] ?? Track()
        var members: [Int32: Member] = [:]
        var ticks: UInt64 = 0, rss: UInt64 = 0, threads = 0
        for s in live {
            let own = s.ownTicks &+ s.childTicks
            members[s.pid] = Member(startTicks: s.startTicks, parent: s.parent, ticks: own)
            ticks &+= own
            rss &+= s.rssPages &* pageSize
            threads += s.threads
        }
        for (pid, gone) in track.members {
            if let now = members[pid], now.startTicks == gone.startTicks { continue }
            // Its parent in the trial collects its time when it waits for it; nobody else does.
            if members[gone.parent] == nil { track.departedTicks &+= gone.ticks }
        }
        track.members = members
        let seconds = max(track.cpuSeconds, Double(ticks &+ track.departedTicks) / ticksPerSecond)
        let since = track.lastAt ?? job.startedAt
        let interval = now.timeIntervalSince(since)
        let cpuPercent = interval > 0.05 ? max(0, 100 * (seconds - track.cpuSeconds) / interval) : 0
        track.cpuSeconds = seconds
        track.lastAt = now
        track.peakRSS = max(track.peakRSS, rss)
        track.everMeasured = track.everMeasured || !live.isEmpty

        var gpu: UInt64?, gpuUse: Double?
        if let gpuBytes {
            gpu = live.reduce(UInt64(0)) { $0 + (gpuBytes[$1.pid] ?? 0) }
            track.peakGPU = max(track.peakGPU ?? 0, gpu!)
        }
        if let gpuPercent {
            let shares = live.compactMap { gpuPercent[$0.pid] }
            gpuUse = shares.isEmpty ? 0 : shares.reduce(0, +)
        }
        // Under a hundredth of a core and no GPU work: nothing is being done.
        let busy = cpuPercent >= 1 || (gpuUse ?? 0) > 0
        if busy { track.idleSince = nil } else if track.idleSince == nil { track.idleSince = since }
        let idleSeconds = track.idleSince.map { now.timeIntervalSince($0) } ?? 0
        tracks[job.number] = track
        return TrialUsage(cpuPercent: cpuPercent, cpuSeconds: seconds, rssBytes: rss, peakRSSBytes: track.peakRSS, threads: threads,
                          processes: live.count, gpuBytes: gpu, peakGPUBytes: track.peakGPU, gpuPercent: gpuUse,
                          idleSeconds: idleSeconds, idle: !live.isEmpty && idleSeconds >= idleAfter)
    }

    private mutating func machine(gpus: [GPUUse]) -> MachineUsage {
        var cpuPercent = 0.0
        if let now = reader.cpuTimes() {
            if let last = lastCPU, now.total > last.total {
                cpuPercent = 100 * Double(now.busy &- min(last.busy, now.busy)) / Double(now.total - last.total)
            }
            lastCPU = now
        }
        let memory = reader.memory() ?? (0, 0)
        return MachineUsage(cpuPercent: min(100, cpuPercent), cpus: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                            memoryUsed: memory.used, memoryTotal: memory.total, gpus: gpus, gpuNote: gpuNote)
    }
}
