import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Controls that are plain files, so a shell, another machine or the dashboard can use them:
/// deleting the stop file stops launching, re-creating it cancels the stop; the pause file's
/// presence pauses launching.
public struct ControlFiles: Sendable {
    public static let stopFileName = ControlFileNames.stop
    public static let pauseFileName = ControlFileNames.pause

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
    /// so that two studies started in one directory never stop or un-pause each other. Reads the
    /// directory's owner file and asks whether its process lives.
    public static func choose(directory: String, study: String) -> ControlFiles {
        let owner = Self.owner(in: directory)
        return ControlFiles(directory: directory, study: study, taken: owner.map { $0.study != study && $0.isAlive } ?? false)
    }

    /// The files `study` uses in `directory`, its own names when another study has `taken` Scilab-RL's.
    public init(directory: String, study: String, taken: Bool) {
        let suffix = taken ? "." + study : ""
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
        /// Asked as a study's engine is (`EngineOwner.isAlive`): on this host only, a zombie is gone.
        var isAlive: Bool { EngineOwner(pid: pid, host: host, since: .distantPast).isAlive == true }
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

    /// `togglePause` and `toggleStop`, carried out on the files as a user in a shell would; false
    /// for a command that is not about them.
    func carryOut(_ command: StudyCommand) throws -> Bool {
        switch command {
        case .togglePause: try setPaused(!paused)
        case .toggleStop: if stopRequested { try armStop() } else { requestStop() }
        default: return false
        }
        return true
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
