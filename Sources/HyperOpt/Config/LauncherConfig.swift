import Foundation
import Yams

/// `hydra.sweeper.launcher: {type: slurm, partition: ..., ...}`, or a hydra-submitit-launcher
/// config as its users have it (`override hydra/launcher: submitit_slurm` and `hydra.launcher`).
extension ConfigLoader {
    /// hydra-submitit-launcher's option names that hypertop passes on to `sbatch`.
    static let slurmKeys = [
        "type", "partition", "timeout_min", "cpus_per_task", "gpus_per_node", "mem_gb", "qos", "account", "constraint",
        "exclude", "additional_parameters", "setup", "max_num_timeout", "nodes", "tasks_per_node", "gres", "mem_per_cpu",
        "comment", "name", "poll_seconds",
    ]
    /// submitit's keys that mean nothing for hypertop's one-job-per-trial launches: accepted, said.
    static let ignoredSlurmKeys = ["_target_", "submitit_folder", "array_parallelism", "signal_delay_s", "stderr_to_stdout"]

    static func readLauncher(_ block: SweeperBlock, top: Node.Mapping, into spec: inout StudySpec) throws {
        let doc = block.doc
        if let node = try block.node("launcher") {
            spec.launcher = try launcherSpec(node, doc: doc, context: "hydra.sweeper.launcher")
            return
        }
        // A submitit user's config: the launcher group in the defaults list, its keys in `hydra.launcher`.
        let group = try DefaultsEntry.list(top, doc: doc).first { $0.group == "hydra/launcher" || $0.group == "/hydra/launcher" }
        let hydra = try doc.value(top, "hydra").flatMap { $0.mapping }
        let block = try hydra.flatMap { try doc.value($0, "launcher") }.flatMap { $0.null == nil ? $0 : nil }
        let target = try block.flatMap { $0.mapping }.flatMap { try doc.value($0, "_target_") }?.scalar?.string
        let slurm = group?.option == "submitit_slurm" || target?.contains("SlurmLauncher") == true
        if slurm {
            var options = SlurmOptions()
            if let block { options = try slurmOptions(block, doc: doc, context: "hydra.launcher", allowType: false) }
            spec.launcher = .slurm(options)
        } else if let option = group?.option, !["basic", "submitit_local", "joblib"].contains(option) {
            doc.warn(group!.node, "hydra/launcher `\(option)` is not one hypertop knows; trials run as local processes (set hydra.sweeper.launcher: {type: slurm} for Slurm).")
        }
    }

    /// `launcher: local`, `launcher: slurm`, or `launcher: {type: slurm, partition: gpu, ...}`.
    static func launcherSpec(_ node: Node, doc: Doc, context: String) throws -> LauncherSpec {
        if node.scalar != nil {
            return try launcherType(try doc.string(node, "launcher"), node: node, doc: doc).map(LauncherSpec.slurm) ?? .local
        }
        let map = try doc.mapping(node, "`\(context)`")
        let type = try doc.value(map, "type").map { try doc.string($0, "launcher type") } ?? "local"
        guard try launcherType(type, node: try doc.value(map, "type") ?? node, doc: doc) != nil else {
            if let k = map.first(where: { $0.key.string != "type" })?.key {
                throw doc.error(k, "`\(k.string ?? "")` is an option of the Slurm launcher; add `type: slurm` to \(context), or remove it.")
            }
            return .local
        }
        return .slurm(try slurmOptions(node, doc: doc, context: context, allowType: true))
    }

    /// nil for `local`, default options for `slurm`.
    private static func launcherType(_ name: String, node: Node, doc: Doc) throws -> SlurmOptions? {
        switch name.lowercased() {
        case "local", "basic": return nil
        case "slurm", "submitit_slurm": return SlurmOptions()
        default: throw doc.error(node, "launcher `\(name)` is not one of local, slurm.")
        }
    }

    static func slurmOptions(_ node: Node, doc: Doc, context: String, allowType: Bool) throws -> SlurmOptions {
        var o = SlurmOptions()
        for (k, v) in try doc.mapping(node, "`\(context)`") {
            let key = k.string ?? ""
            if v.null != nil { continue }
            func text() throws -> String {
                let s = try doc.string(v, key)
                if s.contains(where: { $0.isNewline || $0 == "\0" }) { throw doc.error(v, "`\(key)` must be one line.") }
                if s.isEmpty { throw doc.error(v, "`\(key)` is empty; leave the key out for Slurm's default.") }
                return s
            }
            switch key {
            case "type": if !allowType { doc.warn(k, "`type` in \(context) is ignored; the launcher is Slurm.") }
            case "partition": o.partition = try text()
            case "timeout_min": o.timeoutMin = try doc.int(v, key, min: 1)
            case "cpus_per_task": o.cpusPerTask = try doc.int(v, key, min: 1)
            case "gpus_per_node": o.gpusPerNode = try doc.int(v, key, min: 0)
            case "mem_gb": o.memGB = try doc.double(v, key, positive: true)
            case "qos": o.qos = try text()
            case "account": o.account = try text()
            case "constraint": o.constraint = try text()
            case "exclude": o.exclude = try text()
            case "nodes": o.nodes = try doc.int(v, key, min: 1)
            case "tasks_per_node": o.tasksPerNode = try doc.int(v, key, min: 1)
            case "gres": o.gres = try text()
            case "mem_per_cpu": o.memPerCPU = try text()
            case "comment": o.comment = try text()
            case "name": o.name = try text()
            case "max_num_timeout": o.maxNumTimeout = try doc.int(v, key, min: 0, max: 1000)
            case "poll_seconds":
                o.pollSeconds = try doc.double(v, key, positive: true)
                if o.pollSeconds < 1 { throw doc.error(v, "`poll_seconds` must be at least 1 (each look asks slurmctld), got \(o.pollSeconds).") }
            case "setup":
                if let seq = v.sequence {
                    o.setup = try seq.map { line in
                        let s = try doc.string(line, "setup")
                        if s.contains(where: \.isNewline) { throw doc.error(line, "each `setup` line must be one line.") }
                        return s
                    }
                } else {
                    o.setup = try doc.string(v, key).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                }
            case "additional_parameters":
                for (pk, pv) in try doc.mapping(v, "`additional_parameters`") {
                    let option = pk.string ?? ""
                    guard !option.isEmpty, option.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
                          !option.hasPrefix("-") else {
                        throw doc.error(pk, "`\(option)` is not an sbatch option name; write it without dashes, e.g. `mail_type: END`.")
                    }
                    let value: String?
                    if pv.bool == true && pv.scalar?.style == .plain { value = nil }
                    else if pv.bool == false && pv.scalar?.style == .plain { continue }
                    else {
                        let s = try doc.string(pv, option)
                        if s.contains(where: { $0.isNewline || $0 == "\0" }) { throw doc.error(pv, "`\(option)` must be one line.") }
                        value = s
                    }
                    o.additionalParameters.append(.init(option: option, value: value))
                }
            default:
                if ignoredSlurmKeys.contains(key) {
                    if key != "_target_" { doc.warn(k, "`\(key)` is a submitit option hypertop does not use (each trial is one sbatch job); ignored.") }
                } else {
                    throw doc.error(k, "unknown key `\(key)` in \(context); known keys: \(slurmKeys.joined(separator: ", ")).")
                }
            }
        }
        return o
    }
}
