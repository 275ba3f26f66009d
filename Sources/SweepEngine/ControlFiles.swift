import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Controls that are plain files, so a shell, another machine or the dashboard can use them:
/// deleting the stop file stops launching, re-creating it cancels the stop; the pause file's
/// presence pauses launching.
public struct ControlFiles: Sendable {
    public static let stopFileName = "delete_me_to_stop_hyperopt"
    public static let pauseFileName = "hyperopt_paused"

    public let stopFile: String
    public let pauseFile: String
    /// The study these files belong to, when known (`watch` knows only the paths).
    public let study: String?

    public init(directory: String) {
        stopFile = (directory as NSString).appendingPathComponent(Self.stopFileName)
        pauseFile = (directory as NSString).appendingPathComponent(Self.pauseFileName)
        study = nil
    }

    /// The files `study` uses in `directory`: Scilab-RL's names, unless another study that is
    /// running uses them there already; then names of its own, `delete_me_to_stop_hyperopt.<study>`,
    /// so that two studies started in one directory never stop or un-pause each other.
    public init(directory: String, study: String) {
        let owner = Self.owner(in: directory)
        let shared = owner.map { $0.study != study && $0.isAlive } ?? false
        let suffix = shared ? "." + study : ""
        stopFile = (directory as NSString).appendingPathComponent(Self.stopFileName + suffix)
        pauseFile = (directory as NSString).appendingPathComponent(Self.pauseFileName + suffix)
        self.study = study
    }

    static let ownerFileName = ".hypertop-controls"

    /// Who uses Scilab-RL's names in a directory: a process and its study.
    struct Owner {
        var pid: Int32
        var host: String
        var study: String
        var isAlive: Bool { host == ProcessInfo.processInfo.hostName && (kill(pid, 0) == 0 || errno == EPERM) }
    }

    static func owner(in directory: String) -> Owner? {
        let path = (directory as NSString).appendingPathComponent(ownerFileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, let pid = Int32(lines[0]) else { return nil }
        return Owner(pid: pid, host: lines[1], study: lines[2])
    }

    private var directory: String { (stopFile as NSString).deletingLastPathComponent }

    /// Whether these are Scilab-RL's names (the study that uses them is the directory's first).
    public var usesScilabNames: Bool { (stopFile as NSString).lastPathComponent == Self.stopFileName }

    /// At a study's start: a study with Scilab-RL's names records that it uses them.
    public func claim() throws {
        guard usesScilabNames, let study else { return }
        let text = "\(getpid())\n\(ProcessInfo.processInfo.hostName)\n\(study)\n"
        try text.write(toFile: (directory as NSString).appendingPathComponent(Self.ownerFileName), atomically: true, encoding: .utf8)
    }

    /// The files a study recorded (for `watch`, which runs elsewhere than the engine).
    public init(stopFile: String, pauseFile: String) {
        self.stopFile = stopFile
        self.pauseFile = pauseFile
        study = nil
    }

    public var stopRequested: Bool { !FileManager.default.fileExists(atPath: stopFile) }
    public var paused: Bool { FileManager.default.fileExists(atPath: pauseFile) }

    /// Creates the stop file (at start, or to cancel a stop).
    public func armStop() throws {
        let text = "Delete this file to stop the hyperparameter sweep after its running trials finish.\nRe-create it before the end to cancel the stop.\n"
        try text.write(toFile: stopFile, atomically: true, encoding: .utf8)
    }

    /// Deletes the stop file: exactly what a user in a shell would do.
    public func requestStop() {
        try? FileManager.default.removeItem(atPath: stopFile)
    }

    public func setPaused(_ paused: Bool) throws {
        if paused {
            try "Launching is paused while this file exists.\n".write(toFile: pauseFile, atomically: true, encoding: .utf8)
        } else if FileManager.default.fileExists(atPath: pauseFile) {
            try FileManager.default.removeItem(atPath: pauseFile)
        }
    }

    /// Cleans up at the end of a study so the next one starts fresh: its own files only.
    public func remove() {
        try? FileManager.default.removeItem(atPath: stopFile)
        try? FileManager.default.removeItem(atPath: pauseFile)
        if usesScilabNames, let study, let owner = Self.owner(in: directory), owner.study == study, owner.pid == getpid() {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(Self.ownerFileName))
        }
    }
}

/// Requests to a running engine from another process (`hypertop attach`, on this machine or one
/// sharing the file system): one file each in `<sweep dir>/.hypertop-requests/`, which the engine
/// reads, carries out and deletes on its next tick. `kill-<n>` kills trial n, `kill-all` every
/// running trial (the text is the reason the trial's outcome gives); `retry-<set>` runs a set
/// again, `repeat-<set>` gives it as many more runs as its text says, `enqueue-<id>` holds a
/// parameter set (JSON) to run next.
public struct ControlRequests: Sendable {
    public enum Request: Sendable, Equatable {
        case kill(trial: Int, reason: String)
        case killAll(reason: String)
        case retry(paramSet: Int)
        case repeats(paramSet: Int, count: Int)
        case enqueue(Params)
    }

    public static let directoryName = ".hypertop-requests"
    public let directory: String

    public init(sweepDirectory: String) {
        directory = (sweepDirectory as NSString).appendingPathComponent(Self.directoryName)
    }

    /// Asks the engine to kill trial `n` (`nil`: every running trial).
    public func requestKill(trial n: Int?, reason: String = "killed by the user (from hypertop attach)") throws {
        try write(n.map { "kill-\($0)" } ?? "kill-all", reason + "\n")
    }

    public func requestRetry(paramSet: Int) throws { try write("retry-\(paramSet)", "\n") }

    public func requestRepeats(paramSet: Int, count: Int) throws { try write("repeat-\(paramSet)", "\(count)\n") }

    public func requestEnqueue(_ params: Params) throws {
        let data = try JSONEncoder().encode(params)
        try write("enqueue-\(UUID().uuidString)", String(decoding: data, as: UTF8.self))
    }

    private func write(_ name: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tmp = (directory as NSString).appendingPathComponent(".\(name).\(getpid())")
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        // Renamed into place whole: the engine never reads half a request.
        guard rename(tmp, (directory as NSString).appendingPathComponent(name)) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw LaunchError(description: "cannot write the request in \(directory): \(why)")
        }
    }

    /// The requests waiting, oldest first; each is deleted as it is taken.
    public func take() -> [Request] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var out: [(Date, Request)] = []
        for name in names where !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            try? FileManager.default.removeItem(atPath: path)
            let reason = ProcessText.printable(String((text ?? "").prefix(200))).isEmpty ? "killed by the user (from hypertop attach)"
                : ProcessText.printable(String((text ?? "").prefix(200)))
            let at = (attributes?[.modificationDate] as? Date) ?? Date()
            if name == "kill-all" {
                out.append((at, .killAll(reason: reason)))
            } else if name.hasPrefix("kill-"), let n = Int(name.dropFirst(5)) {
                out.append((at, .kill(trial: n, reason: reason)))
            } else if name.hasPrefix("retry-"), let set = Int(name.dropFirst(6)) {
                out.append((at, .retry(paramSet: set)))
            } else if name.hasPrefix("repeat-"), let set = Int(name.dropFirst(7)), let count = Int(text ?? ""), count > 0, count <= 1000 {
                out.append((at, .repeats(paramSet: set, count: count)))
            } else if name.hasPrefix("enqueue-"), let data = text?.data(using: .utf8), let params = try? JSONDecoder().decode(Params.self, from: data) {
                out.append((at, .enqueue(params)))
            }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
