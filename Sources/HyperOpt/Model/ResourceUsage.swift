import Foundation

/// What one trial's processes use of the machine now, as the engine measured it (`/proc`, and
/// NVML where there is an NVIDIA driver): the job and every process it started, those that left
/// its process group included.
public struct TrialUsage: Sendable, Hashable, Codable {
    /// CPU use over the last interval, in percent of one core (250: two and a half cores busy).
    public var cpuPercent: Double
    /// CPU seconds its processes used so far, user and system, the ended ones' included.
    public var cpuSeconds: Double
    /// Resident memory of all its processes now, and the most seen at once.
    public var rssBytes: UInt64
    public var peakRSSBytes: UInt64
    public var threads: Int
    public var processes: Int
    /// GPU memory its processes hold now, and the most seen; nil where no GPU is measured.
    public var gpuBytes: UInt64?
    public var peakGPUBytes: UInt64?
    /// Its processes' share of the GPUs' compute, in percent, summed over the GPUs; nil where unknown.
    public var gpuPercent: Double?
    /// Seconds it has used no CPU and no GPU while it ran (0 while it is busy).
    public var idleSeconds: Double
    /// Whether it has been idle for `idle_after_seconds` (a hung job, most often).
    public var idle: Bool

    public init(cpuPercent: Double, cpuSeconds: Double, rssBytes: UInt64, peakRSSBytes: UInt64, threads: Int, processes: Int,
                gpuBytes: UInt64? = nil, peakGPUBytes: UInt64? = nil, gpuPercent: Double? = nil, idleSeconds: Double = 0, idle: Bool = false) {
        self.cpuPercent = cpuPercent
        self.cpuSeconds = cpuSeconds
        self.rssBytes = rssBytes
        self.peakRSSBytes = peakRSSBytes
        self.threads = threads
        self.processes = processes
        self.gpuBytes = gpuBytes
        self.peakGPUBytes = peakGPUBytes
        self.gpuPercent = gpuPercent
        self.idleSeconds = idleSeconds
        self.idle = idle
    }

    /// What is kept of it once the trial ended.
    public var totals: ResourceTotals { ResourceTotals(cpuSeconds: cpuSeconds, peakRSSBytes: peakRSSBytes, peakGPUBytes: peakGPUBytes) }
}

/// What a trial used in all, recorded when it ends (the store's trial system attributes, the
/// export and the report).
public struct ResourceTotals: Sendable, Hashable, Codable {
    public var cpuSeconds: Double
    public var peakRSSBytes: UInt64
    /// nil where no GPU was measured.
    public var peakGPUBytes: UInt64?

    public init(cpuSeconds: Double, peakRSSBytes: UInt64, peakGPUBytes: UInt64? = nil) {
        self.cpuSeconds = cpuSeconds
        self.peakRSSBytes = peakRSSBytes
        self.peakGPUBytes = peakGPUBytes
    }

    public static let mebibyte = 1_048_576.0
    public var peakRSSMegabytes: Double { Double(peakRSSBytes) / Self.mebibyte }
    public var peakGPUMegabytes: Double? { peakGPUBytes.map { Double($0) / Self.mebibyte } }

    /// `12.3 CPU s, peak 130 MB` (and the GPU's peak where one was measured), as the log says it.
    public var text: String {
        var text = String(format: "%.1f CPU s, peak %.0f MB", cpuSeconds, peakRSSMegabytes)
        if let gpu = peakGPUMegabytes { text += String(format: ", GPU peak %.0f MB", gpu) }
        return text
    }
}

/// One GPU as NVML reports it now, and as the header shows it.
public struct GPUUse: Sendable, Hashable, Codable {
    /// NVML's index (PCI bus order).
    public var index: Int
    /// The product name, such as "NVIDIA H100 80GB HBM3".
    public var name: String
    /// The device's UUID as NVML spells it ("GPU-" and 32 hex digits in groups); nil where unknown.
    public var uuid: String?
    /// Percent of the time a kernel ran; nil where the driver does not say.
    public var utilization: Double?
    /// Device memory in use by anyone, and in all, in bytes.
    public var memoryUsed: UInt64
    public var memoryTotal: UInt64

    public init(index: Int, name: String, uuid: String? = nil, utilization: Double?, memoryUsed: UInt64, memoryTotal: UInt64) {
        self.index = index
        self.name = name
        self.uuid = uuid
        self.utilization = utilization
        self.memoryUsed = memoryUsed
        self.memoryTotal = memoryTotal
    }
}

/// The whole machine now: what the header's meters show.
public struct MachineUsage: Sendable, Hashable, Codable {
    /// Busy share of every CPU of the machine, 0 to 100.
    public var cpuPercent: Double
    public var cpus: Int
    public var memoryUsed: UInt64
    public var memoryTotal: UInt64
    public var gpus: [GPUUse]
    /// Why no GPU is measured ("no GPU: libnvidia-ml.so.1 not found"); nil where GPUs are.
    public var gpuNote: String?

    public init(cpuPercent: Double, cpus: Int, memoryUsed: UInt64, memoryTotal: UInt64, gpus: [GPUUse] = [], gpuNote: String? = nil) {
        self.cpuPercent = cpuPercent
        self.cpus = cpus
        self.memoryUsed = memoryUsed
        self.memoryTotal = memoryTotal
        self.gpus = gpus
        self.gpuNote = gpuNote
    }
}

/// One measurement of the machine and of every running trial, taken at the dashboard's refresh.
/// It is shown, never recorded: what a trial used in all is recorded once, when it ends
/// (`EngineEvent.resourceTotals`).
public struct UsageSample: Sendable, Hashable, Codable {
    public var at: Date
    public var machine: MachineUsage
    public var trials: [Int: TrialUsage]

    public init(at: Date, machine: MachineUsage, trials: [Int: TrialUsage]) {
        self.at = at
        self.machine = machine
        self.trials = trials
    }
}

/// One point of a trial's CPU and memory history (the detail's chart).
public struct UsagePoint: Sendable, Hashable {
    public var cpuPercent: Double
    public var rssBytes: UInt64
}

extension TrialRecord {
    /// Points of usage history a trial keeps: the last four minutes at a refresh of 1 s.
    public static let usageHistoryLimit = 240

    /// CPU seconds so far (while it runs) or in all (once it ended); nil where nothing was measured.
    public var cpuSeconds: Double? { totals?.cpuSeconds ?? usage?.cpuSeconds }
    /// Most resident memory seen; nil where nothing was measured.
    public var peakRSSBytes: UInt64? { totals?.peakRSSBytes ?? usage?.peakRSSBytes }
    public var peakGPUBytes: UInt64? { totals?.peakGPUBytes ?? usage?.peakGPUBytes }

    /// CPU use as the table shows it: now while it runs, its average over its run once it ended.
    public func cpuPercent(now: Date) -> Double? {
        if !state.isFinished { return usage?.cpuPercent }
        guard let seconds = cpuSeconds else { return nil }
        let run = runTime(now: now)
        return run > 0 ? 100 * seconds / run : nil
    }

    /// Memory as the table shows it: resident now while it runs, its peak once it ended.
    public var memoryBytes: UInt64? { state.isFinished ? peakRSSBytes : usage?.rssBytes }
    /// GPU memory as the table shows it: now while it runs, its peak once it ended.
    public var gpuMemoryBytes: UInt64? { state.isFinished ? peakGPUBytes : usage?.gpuBytes }
}
