import Foundation
import Yams

/// `hydra.sweeper.launcher: {type: slurm, partition: ..., ...}`, or a hydra-submitit-launcher
/// config as its users have it (`override hydra/launcher: submitit_slurm` and `hydra.launcher`).
extension ConfigLoader {
    /// A Slurm option that is one line of text (sbatch reads each as one argument).
    static func slurmLine(_ yaml: YAMLReader, _ v: Node, _ key: String) throws -> String {
        let s = try yaml.string(v, key)
        if s.contains(where: { $0.isNewline || $0 == "\0" }) { throw yaml.error(v, "`\(key)` must be one line.") }
        if s.isEmpty { throw yaml.error(v, "`\(key)` is empty; leave the key out for Slurm's default.") }
        return s
    }

    /// A text option of Slurm's, set at `field`.
    private static func slurmText(_ name: String, _ help: String, _ field: WritableKeyPath<SlurmOptions, String?> & Sendable) -> KeyTable<SlurmOptions>.Key {
        .init(name, help) { yaml, v, o in o[keyPath: field] = try slurmLine(yaml, v, name) }
    }

    /// A submitit option that means nothing for hypertop's one-job-per-trial launches: accepted, said.
    private static func submititOnly(_ name: String, _ help: String) -> KeyTable<SlurmOptions>.Key {
        .ignored(name, help, warning: "`\(name)` is a submitit option hypertop does not use (each trial is one sbatch job); ignored.")
    }

    /// hydra-submitit-launcher's option names that hypertop passes on to `sbatch`, and the ones
    /// it accepts and ignores; a `null` value (of any key: submitit's own configs list all of
    /// its options) leaves the option to Slurm.
    static let slurmKeys = KeyTable<SlurmOptions>("hydra.sweeper.launcher (type: slurm; the same keys in hydra.launcher under submitit_slurm)", nulls: .absentEvenUnknown, [
        .ignored("type", "slurm (or submitit_slurm); local runs the trials as local processes"),
        slurmText("partition", "--partition", \.partition),
        .init("timeout_min", "the job's time limit in minutes, --time (default: the partition's)") { yaml, v, o in
            o.timeoutMin = try yaml.int(v, "timeout_min", min: 1)
        },
        .init("cpus_per_task", "--cpus-per-task (default: cpus_per_trial, when set)") { yaml, v, o in
            o.cpusPerTask = try yaml.int(v, "cpus_per_task", min: 1)
        },
        .init("gpus_per_node", "--gpus-per-node (default: gpus_per_trial, when set)") { yaml, v, o in
            o.gpusPerNode = try yaml.int(v, "gpus_per_node", min: 0)
        },
        .init("mem_gb", "memory in GB, --mem") { yaml, v, o in
            o.memGB = try yaml.double(v, "mem_gb", positive: true)
        },
        slurmText("qos", "--qos", \.qos),
        slurmText("account", "--account", \.account),
        slurmText("constraint", "--constraint", \.constraint),
        slurmText("exclude", "--exclude", \.exclude),
        .init("additional_parameters", "more sbatch options, e.g. {mail_type: END}; true for a flag, false leaves it out") { yaml, v, o in
            for (pk, pv) in try yaml.mapping(v, "`additional_parameters`") {
                let option = pk.string ?? ""
                guard !option.isEmpty, option.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
                      !option.hasPrefix("-") else {
                    throw yaml.error(pk, "`\(option)` is not an sbatch option name; write it without dashes, e.g. `mail_type: END`.")
                }
                let value: String?
                if pv.bool == true && pv.scalar?.style == .plain { value = nil }
                else if pv.bool == false && pv.scalar?.style == .plain { continue }
                else {
                    let s = try yaml.string(pv, option)
                    if s.contains(where: { $0.isNewline || $0 == "\0" }) { throw yaml.error(pv, "`\(option)` must be one line.") }
                    value = s
                }
                o.additionalParameters.append(.init(option: option, value: value))
            }
        },
        .init("setup", "shell lines run before the job (module load ..., source venv/bin/activate): a list or one block") { yaml, v, o in
            if let seq = v.sequence {
                o.setup = try seq.map { line in
                    let s = try yaml.string(line, "setup")
                    if s.contains(where: \.isNewline) { throw yaml.error(line, "each `setup` line must be one line.") }
                    return s
                }
            } else {
                o.setup = try yaml.string(v, "setup").split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            }
        },
        .init("max_num_timeout", "times a trial whose job hit its time limit is submitted again, up to 1000 (default 0)") { yaml, v, o in
            o.maxNumTimeout = try yaml.int(v, "max_num_timeout", min: 0, max: 1000)
        },
        .init("nodes", "--nodes") { yaml, v, o in
            o.nodes = try yaml.int(v, "nodes", min: 1)
        },
        .init("tasks_per_node", "--ntasks-per-node") { yaml, v, o in
            o.tasksPerNode = try yaml.int(v, "tasks_per_node", min: 1)
        },
        slurmText("gres", "--gres, e.g. gpu:1", \.gres),
        slurmText("mem_per_cpu", "--mem-per-cpu, e.g. 4G", \.memPerCPU),
        slurmText("comment", "--comment", \.comment),
        slurmText("name", "prefix of the jobs' names, <name>-<study>-<trial>", \.name),
        .init("poll_seconds", "seconds between two looks at the queue, at least 1 (default 5)") { yaml, v, o in
            o.pollSeconds = try yaml.double(v, "poll_seconds", positive: true)
            if o.pollSeconds < 1 { throw yaml.error(v, "`poll_seconds` must be at least 1 (each look asks slurmctld), got \(o.pollSeconds).") }
        },
        .ignored("_target_", "submitit's launcher class; accepted and ignored"),
        submititOnly("submitit_folder", "submitit's own; ignored with a warning"),
        submititOnly("array_parallelism", "submitit's own; ignored with a warning"),
        submititOnly("signal_delay_s", "submitit's own; ignored with a warning"),
        submititOnly("stderr_to_stdout", "submitit's own; ignored with a warning"),
    ])

    /// `hydra.launcher`'s keys: the same, except that `type` means nothing there (the defaults
    /// list names the launcher).
    static let submititKeys = slurmKeys.replacing(
        .ignored("type", "ignored with a warning: the defaults list's hydra/launcher names the launcher", warning: "`type` in hydra.launcher is ignored; the launcher is Slurm."),
        title: "hydra.launcher (under submitit_slurm)")

    /// Without `hydra.sweeper.launcher`, a submitit user's config: the launcher group in the
    /// defaults list, its keys in `hydra.launcher`. nil: local processes.
    static func submititLauncher(_ top: Node.Mapping, yaml: YAMLReader) throws -> LauncherSpec? {
        let group = try DefaultsEntry.list(top, yaml: yaml).first { $0.group == "hydra/launcher" || $0.group == "/hydra/launcher" }
        let block = top.value("hydra")?.mapping?.value("launcher").flatMap { $0.null == nil ? $0 : nil }
        let target = block?.mapping?.value("_target_")?.scalar?.string
        let slurm = group?.option == "submitit_slurm" || target?.contains("SlurmLauncher") == true
        if slurm {
            var options = SlurmOptions()
            if let block { options = try slurmOptions(block, yaml: yaml, context: "hydra.launcher", keys: submititKeys) }
            return .slurm(options)
        } else if let option = group?.option, !["basic", "submitit_local", "joblib"].contains(option) {
            yaml.warn(group!.node, "hydra/launcher `\(option)` is not one hypertop knows; trials run as local processes (set hydra.sweeper.launcher: {type: slurm} for Slurm).")
        }
        return nil
    }

    /// `launcher: local`, `launcher: slurm`, or `launcher: {type: slurm, partition: gpu, ...}`.
    static func launcherSpec(_ node: Node, yaml: YAMLReader, context: String) throws -> LauncherSpec {
        if node.scalar != nil {
            return try launcherType(try yaml.string(node, "launcher"), node: node, yaml: yaml).map(LauncherSpec.slurm) ?? .local
        }
        let map = try yaml.mapping(node, "`\(context)`")
        let typeNode = map.value("type")
        let type = try typeNode.map { try yaml.string($0, "launcher type") } ?? "local"
        guard try launcherType(type, node: typeNode ?? node, yaml: yaml) != nil else {
            if let k = map.first(where: { $0.key.string != "type" })?.key {
                throw yaml.error(k, "`\(k.string ?? "")` is an option of the Slurm launcher; add `type: slurm` to \(context), or remove it.")
            }
            return .local
        }
        return .slurm(try slurmOptions(node, yaml: yaml, context: context))
    }

    /// nil for `local`, default options for `slurm`.
    private static func launcherType(_ name: String, node: Node, yaml: YAMLReader) throws -> SlurmOptions? {
        switch name.lowercased() {
        case "local", "basic": return nil
        case "slurm", "submitit_slurm": return SlurmOptions()
        default: throw yaml.error(node, "launcher `\(name)` is not one of local, slurm.")
        }
    }

    /// The Slurm options of the block at `node`: `hydra.sweeper.launcher` or (submitit's) `hydra.launcher`.
    static func slurmOptions(_ node: Node, yaml: YAMLReader, context: String, keys: KeyTable<SlurmOptions> = slurmKeys) throws -> SlurmOptions {
        var o = SlurmOptions()
        try keys.read(try yaml.mapping(node, "`\(context)`"), at: node, yaml, place: "in \(context)", into: &o)
        return o
    }
}
