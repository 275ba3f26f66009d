import Foundation
import HyperOpt

/// Proposes the given parameter sets in trial order (the last one again when the script runs out):
/// a fixed input, so a test decides what each trial runs.
public struct ScriptedParams: Sampler {
    public let script: [Params]
    public init(script: [Params]) { self.script = script }
    public var name: String { "scripted" }
    public func sample(_ context: SamplingContext) -> Params? { script[min(context.trialNumber, script.count - 1)] }
}

/// Pids of the live processes in a process group (zombies, which only wait for init to reap
/// them, do not count).
public func liveProcesses(inGroup group: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // After "pid (comm)": state, ppid, pgrp, ...
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == group
    }.sorted()
}

/// Whether the process runs (a zombie does not count: it is dead, waiting to be reaped).
public func processIsLive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}
