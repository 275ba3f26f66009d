import CSpawn
import Foundation
import HyperOpt

/// The CPUs and GPUs this engine may hand out, found on the machine it runs on.
public enum MachineResources {
    /// The CPUs the engine may run on: its affinity mask (what `taskset`, a cgroup's cpuset or
    /// Slurm's allocation left it), not every core of the machine.
    public static func cpus() -> [Int] {
        var buffer = [Int32](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { hypertop_affinity($0.baseAddress, Int32($0.count)) }
        guard n > 0 else { return Array(0..<max(1, ProcessInfo.processInfo.activeProcessorCount)) }
        return buffer.prefix(Int(n)).map(Int.init)
    }

    /// The GPUs trials may be given: the engine's `CUDA_VISIBLE_DEVICES` when set (as CUDA reads
    /// it, up to the first entry that is no device), else those the NVIDIA driver reports.
    public static func gpus(environment: [String: String] = ProcessInfo.processInfo.environment,
                            driverDirectory: String = "/proc/driver/nvidia/gpus") -> [String] {
        if let visible = environment["CUDA_VISIBLE_DEVICES"] {
            var ids: [String] = []
            for part in visible.split(separator: ",", omittingEmptySubsequences: false) {
                let id = part.trimmingCharacters(in: .whitespaces)
                // CUDA stops at the first entry that names no device (`-1` hides them all).
                if id.isEmpty || id.hasPrefix("-") { break }
                ids.append(id)
            }
            return ids
        }
        let found = (try? FileManager.default.contentsOfDirectory(atPath: driverDirectory)) ?? []
        return found.indices.map(String.init)
    }

    /// The pool for a study of `slots` trials at once, by its config. Slurm confines each job
    /// itself (`cpus_per_task`, `gpus_per_node`): there nothing is pinned here.
    public static func pool(for spec: StudySpec, slots: Int, environment: [String: String] = ProcessInfo.processInfo.environment) -> ResourcePool {
        guard spec.launching == .local else { return .none }
        let cpus = cpus()
        let perTrial = ResourcePool.cpusPerTrial(configured: spec.cpusPerTrial, cores: cpus.count, slots: slots)
        let gpusPerTrial = spec.gpusPerTrial ?? 0
        return ResourcePool(cpus: cpus, gpus: gpusPerTrial > 0 ? gpus(environment: environment) : [],
                            cpusPerTrial: perTrial, gpusPerTrial: gpusPerTrial)
    }

    /// Threads each trial is told to use: its CPUs locally, `cpus_per_trial` on a cluster; 0: none.
    public static func threads(for spec: StudySpec, pool: ResourcePool) -> Int {
        spec.launching == .local ? pool.cpusPerTrial : (spec.cpusPerTrial ?? 0)
    }

    /// What each trial gets, said once at the start (the log, `check`); the second line, when
    /// there is one, warns that the GPUs cannot feed every slot.
    public static func summary(_ pool: ResourcePool, spec: StudySpec, slots: Int,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var lines: [String] = []
        let threads = threads(for: spec, pool: pool)
        var parts: [String] = []
        if spec.launching != .local {
            if threads > 0 { parts.append("\(threads) CPU\(threads == 1 ? "" : "s") (Slurm's cpus_per_task)") }
            if let g = spec.gpusPerTrial, g > 0 { parts.append("\(Int(g)) GPU\(g == 1 ? "" : "s") (gpus_per_node)") }
        } else if pool.cpusPerTrial > 0 {
            let n = pool.cpusPerTrial
            let cpus = "\(pool.cpus.count): \(ResourcePool.rangeText(pool.cpus))"
            parts.append(n * slots <= pool.cpus.count ? "\(n) CPU\(n == 1 ? "" : "s") of its own (of \(cpus))"
                : "\(n) CPU\(n == 1 ? "" : "s") (of \(cpus); \(slots) slots of \(n) overlap, so trials share some)")
            if let asked = spec.cpusPerTrial, asked > pool.cpus.count {
                lines.append("warning: cpus_per_trial is \(asked), but hypertop may use \(pool.cpus.count) CPU\(pool.cpus.count == 1 ? "" : "s"); each trial gets \(pool.cpus.count)")
            }
        } else {
            parts.append("all of the engine's CPUs (cpus_per_trial: 0)")
        }
        if threads > 0 {
            let own = ResourcePool.threadVariables.filter { environment[$0] != nil }
            let set = ResourcePool.threadVariables.filter { environment[$0] == nil }
            var text = set.isEmpty ? "" : "\(set.joined(separator: ", "))=\(threads)"
            if !own.isEmpty {
                text += (text.isEmpty ? "" : "; ") + own.map { "\($0)=\(environment[$0]!)" }.joined(separator: ", ") + " (yours)"
            }
            parts.append(text)
        }
        if spec.launching == .local, let g = spec.gpusPerTrial, g > 0 {
            let share = g < 1 ? "\(number(g)) of a GPU" : "\(Int(g)) GPU\(g == 1 ? "" : "s")"
            parts.append(pool.gpus.isEmpty ? "\(share), but no GPU is visible" :
                "\(share) of \(pool.gpus.count) (\(pool.gpus.joined(separator: ","))) through CUDA_VISIBLE_DEVICES")
        }
        lines.insert("Each trial gets " + parts.joined(separator: "; "), at: 0)
        if let gpuSlots = pool.gpuSlots, gpuSlots < slots {
            lines.append("warning: \(slots) slots, but the GPUs hold \(gpuSlots) trial\(gpuSlots == 1 ? "" : "s") at \(number(pool.gpusPerTrial)) each; "
                         + "the other slots wait for a GPU (lower n_jobs or gpus_per_trial)")
        }
        return lines
    }

    /// `1`, `0.5`: a count of GPUs as a person writes it.
    public static func number(_ x: Double) -> String { String(format: "%g", x) }
}
