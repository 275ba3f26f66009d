import Foundation

/// Where a study's trials run: local processes (the default) or Slurm jobs.
public enum LauncherSpec: Sendable, Hashable, Codable {
    case local
    case slurm(SlurmOptions)

    public var name: String {
        switch self {
        case .local: return "local"
        case .slurm: return "slurm"
        }
    }
}

/// A Slurm launcher's options, named as hydra-submitit-launcher names them.
public struct SlurmOptions: Sendable, Hashable, Codable {
    public var partition: String?
    /// The job's time limit (`--time`), in minutes; nil: the partition's default.
    public var timeoutMin: Int?
    public var cpusPerTask: Int?
    public var gpusPerNode: Int?
    public var memGB: Double?
    public var qos: String?
    public var account: String?
    public var constraint: String?
    public var exclude: String?
    public var nodes: Int?
    public var tasksPerNode: Int?
    public var gres: String?
    public var memPerCPU: String?
    public var comment: String?
    /// Prefix of the Slurm job names (`<name>-<study>-<trial>`).
    public var name: String?
    /// Extra `sbatch` options, in the file's order: `(option, value)`, a nil value for a flag.
    public var additionalParameters: [AdditionalParameter] = []
    /// Shell lines run before the job (`module load ...`, `source venv/bin/activate`).
    public var setup: [String] = []
    /// Times a trial whose job hit its time limit is submitted again (the same trial goes on).
    public var maxNumTimeout = 0
    /// Seconds between two looks at the queue (one `squeue` for all of the study's jobs).
    public var pollSeconds = 5.0

    public struct AdditionalParameter: Sendable, Hashable, Codable {
        public var option: String
        public var value: String?
        public init(option: String, value: String?) {
            self.option = option
            self.value = value
        }
    }

    public init() {}

    /// The `sbatch` options these settings give, each one argv word (`--partition=gpu`).
    public var sbatchOptions: [String] {
        var o: [String] = []
        func add(_ flag: String, _ value: String?) { if let value { o.append("--\(flag)=\(value)") } }
        add("partition", partition)
        add("time", timeoutMin.map(String.init))
        add("cpus-per-task", cpusPerTask.map(String.init))
        add("gpus-per-node", gpusPerNode.map(String.init))
        add("mem", memGB.map { gb in gb == gb.rounded() ? "\(Int(gb))G" : "\(Int((gb * 1024).rounded()))M" })
        add("qos", qos)
        add("account", account)
        add("constraint", constraint)
        add("exclude", exclude)
        add("nodes", nodes.map(String.init))
        add("ntasks-per-node", tasksPerNode.map(String.init))
        add("gres", gres)
        add("mem-per-cpu", memPerCPU)
        add("comment", comment)
        for p in additionalParameters {
            let flag = p.option.replacingOccurrences(of: "_", with: "-")
            o.append(p.value.map { "--\(flag)=\($0)" } ?? "--\(flag)")
        }
        return o
    }
}
