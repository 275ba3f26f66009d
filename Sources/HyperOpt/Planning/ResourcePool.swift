import Foundation

/// The machine's CPUs and GPUs, handed out to running trials so that they do not fight over them:
/// each local trial gets CPUs of its own (an affinity mask and the thread-count variables) and,
/// when the study asks for GPUs, its own `CUDA_VISIBLE_DEVICES`. A pure value: the engine finds
/// the machine (`MachineResources`), the scheduler takes and gives back.
public struct ResourcePool: Sendable, Equatable {
    /// CPUs the engine may run on (its own affinity set), in order.
    public let cpus: [Int]
    /// GPUs as `CUDA_VISIBLE_DEVICES` names them (indices or UUIDs).
    public let gpus: [String]
    /// CPUs a trial gets; 0: none are handed out (no mask, no thread variables).
    public let cpusPerTrial: Int
    /// GPUs a trial gets: a fraction (0.5: two trials share one) or a whole number; 0: none.
    public let gpusPerTrial: Double

    private var cpuUse: [Int]
    private var gpuFree: [Double]
    private var held: [Int: Placement] = [:]

    /// What one trial got.
    public struct Placement: Sendable, Hashable, Codable {
        public var cpus: [Int]
        public var gpus: [String]
        public init(cpus: [Int] = [], gpus: [String] = []) {
            self.cpus = cpus
            self.gpus = gpus
        }
        public var isEmpty: Bool { cpus.isEmpty && gpus.isEmpty }

        /// `CPUs 0-1, GPU 1` as the log and the detail say it; empty when nothing was handed out.
        public var text: String {
            var parts: [String] = []
            if !cpus.isEmpty { parts.append((cpus.count == 1 ? "CPU " : "CPUs ") + ResourcePool.rangeText(cpus)) }
            if !gpus.isEmpty { parts.append((gpus.count == 1 ? "GPU " : "GPUs ") + gpus.joined(separator: ",")) }
            return parts.joined(separator: ", ")
        }
    }

    /// A little more than float rounding, so that four quarters fill a GPU exactly.
    static let tolerance = 1e-9

    public init(cpus: [Int], gpus: [String], cpusPerTrial: Int, gpusPerTrial: Double) {
        self.cpus = cpus
        self.gpus = gpus
        self.cpusPerTrial = min(max(0, cpusPerTrial), cpus.count)
        self.gpusPerTrial = max(0, gpusPerTrial)
        cpuUse = Array(repeating: 0, count: cpus.count)
        gpuFree = Array(repeating: 1, count: gpus.count)
    }

    /// Nothing handed out: trials share the machine as the engine has it.
    public static let none = ResourcePool(cpus: [], gpus: [], cpusPerTrial: 0, gpusPerTrial: 0)

    /// CPUs per trial when the config says nothing: the engine's CPUs shared among the slots, at
    /// least one each (joblib's `cpu_count // n_jobs`). `configured` 0 turns it off.
    public static func cpusPerTrial(configured: Int?, cores: Int, slots: Int) -> Int {
        if let configured { return min(configured, cores) }
        return max(1, cores / max(1, slots))
    }

    /// Trials that can hold GPUs at once; nil when trials get none.
    public var gpuSlots: Int? {
        guard gpusPerTrial > 0 else { return nil }
        if gpusPerTrial <= 1 { return gpus.count * Int((1 / gpusPerTrial + Self.tolerance).rounded(.down)) }
        return gpus.count / Int(gpusPerTrial.rounded(.up))
    }

    /// Whether a trial could start now: CPUs are shared when short, GPUs are waited for.
    public var hasRoom: Bool { gpuIndices() != nil }

    /// Takes the next share for `trial`: the least used CPUs, lowest first (disjoint sets while
    /// the division is exact), and its GPUs; nil while no GPU has room (its slot waits).
    public mutating func take(trial: Int) -> Placement? {
        guard let gpuIndices = gpuIndices() else { return nil }
        var cpuIndices: [Int] = []
        if cpusPerTrial > 0 {
            cpuIndices = cpus.indices.sorted { (cpuUse[$0], $0) < (cpuUse[$1], $1) }.prefix(cpusPerTrial).sorted()
        }
        for i in cpuIndices { cpuUse[i] += 1 }
        for i in gpuIndices { gpuFree[i] -= gpuShare }
        let placement = Placement(cpus: cpuIndices.map { cpus[$0] }, gpus: gpuIndices.map { gpus[$0] })
        held[trial] = placement
        return placement
    }

    /// What a trial takes of each GPU it gets: its fraction, or the whole GPU.
    private var gpuShare: Double { gpusPerTrial <= 1 ? gpusPerTrial : 1 }

    /// Gives back what `trial` held (nothing happens for a trial that held nothing).
    public mutating func release(trial: Int) {
        guard let placement = held.removeValue(forKey: trial) else { return }
        for cpu in placement.cpus { if let i = cpus.firstIndex(of: cpu) { cpuUse[i] -= 1 } }
        for gpu in placement.gpus { if let i = gpus.firstIndex(of: gpu) { gpuFree[i] = min(1, gpuFree[i] + gpuShare) } }
    }

    /// The GPUs the next trial would get: [] when trials get none, nil when none has room. A
    /// fraction goes where it fits most tightly, so that halves pair up on one GPU and leave the
    /// others whole.
    private func gpuIndices() -> [Int]? {
        guard gpusPerTrial > 0 else { return [] }
        if gpusPerTrial <= 1 {
            let fits = gpuFree.indices.filter { gpuFree[$0] + Self.tolerance >= gpusPerTrial }
            return fits.min { (gpuFree[$0], $0) < (gpuFree[$1], $1) }.map { [$0] }
        }
        let whole = gpuFree.indices.filter { gpuFree[$0] + Self.tolerance >= 1 }
        let n = Int(gpusPerTrial.rounded(.up))
        return whole.count >= n ? Array(whole.prefix(n)) : nil
    }

    /// `0-3,6,8-9`: CPU numbers as taskset and `/proc/self/status` write them.
    public static func rangeText(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = numbers.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The thread-count variables numeric libraries read (OpenMP, MKL, OpenBLAS, numexpr,
    /// Accelerate), as joblib's workers get them.
    public static let threadVariables = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                         "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"]

    /// What a trial's environment gets for `placement`: the thread counts (a value already set in
    /// `environment`, the user's, wins) and `CUDA_VISIBLE_DEVICES` when it got GPUs, with
    /// `CUDA_DEVICE_ORDER=PCI_BUS_ID` unless the user chose an order: CUDA's own default puts the
    /// fastest GPU first, but the indices handed out are the driver's (nvidia-smi's, NVML's), in
    /// PCI bus order, and the dashboard's GPU use is read by those.
    public static func environment(for placement: Placement, threads: Int, base environment: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        if threads > 0 {
            for name in threadVariables where environment[name] == nil { out[name] = String(threads) }
        }
        if !placement.gpus.isEmpty {
            out["CUDA_VISIBLE_DEVICES"] = placement.gpus.joined(separator: ",")
            if environment["CUDA_DEVICE_ORDER"] == nil { out["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID" }
        }
        return out
    }
}
