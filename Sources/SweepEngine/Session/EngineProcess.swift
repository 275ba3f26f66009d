import CSpawn
import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Why the engine's own process could not be started or followed; one sentence.
public struct EngineProcessError: UserError {
    public let description: String
    init(_ message: String) { description = message }
}

/// The engine's process, for a study that outlives its terminal. `run` with the dashboard runs the
/// engine and the dashboard in a child process in its own session, and stays in the terminal's
/// foreground as its stand-in (`hypertop_supervise` in CSpawn forwards Ctrl-C, SIGHUP, window
/// changes and Ctrl-Z): choosing "detach" lets the child go on alone and gives the shell back.
/// `run --detach` starts the child without a dashboard, waits until it has claimed the study, and
/// returns.
public enum EngineProcess {
    /// Set in the child of a supervising `run`: the pid to tell (SIGUSR1) when it detaches.
    public static let supervisorVariable = "HYPERTOP_SUPERVISOR"
    /// Set in an engine started detached: SIGHUP is ignored, output goes to its log.
    public static let detachedVariable = "HYPERTOP_DETACHED"
    /// Set (to anything) to keep `run`'s dashboard in one process (no detach).
    public static let noSupervisorVariable = "HYPERTOP_NO_SUPERVISOR"

    public static var environment: [String: String] { ProcessInfo.processInfo.environment }
    /// Read once, at the start; then taken out of the environment, so the trials' jobs do not inherit them.
    public static let supervisorPID: Int32? = environment[supervisorVariable].flatMap(Int32.init)
    public static let isSupervised = supervisorPID != nil
    public static let isDetachedEngine = environment[detachedVariable] == "1"

    /// Reads the two variables and removes them from the environment.
    public static func takeEnvironment() {
        // The two `static let`s are read now, before the variables go: Swift initialises them lazily.
        _ = (isSupervised, isDetachedEngine)
        unsetenv(supervisorVariable)
        unsetenv(detachedVariable)
    }

    static var executable: String { JobLocator.executable }

    /// Starts hypertop with `args` in a new session; returns its pid.
    static func spawn(_ args: [String], environment extra: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        let env = environment.merging(extra) { $1 }.map { "\($0.key)=\($0.value)" }.sorted()
        let argv = [executable] + args
        var pid: pid_t = 0
        let rc = withCStrings(argv) { a in
            withCStrings(env) { e in hypertop_spawn_session(executable, a, e, nil, stdin, stdout, stderr, &pid) }
        }
        guard rc == 0 else { throw EngineProcessError("cannot start the engine process: \(String(cString: strerror(rc)))") }
        return pid
    }

    /// `run` with the dashboard: the same command in a child that may detach. Returns the exit
    /// status to leave with.
    public static func supervise(_ args: [String]) throws -> Int32 {
        let pid = try spawn(args, environment: [supervisorVariable: String(getpid())], stdin: 0, stdout: 1, stderr: 2)
        var status: Int32 = 0
        switch hypertop_supervise(pid, &status) {
        case 1: return 0
        case 0:
            let low = status & 0x7f
            return low == 0 ? (status >> 8) & 0xff : 128 + low
        default: throw EngineProcessError("lost track of the engine process \(pid)")
        }
    }

    /// The child of a supervising `run` leaves the terminal: says how to come back, sends its
    /// output to the study's log, calls `ignoreHangup` (SIGHUP must not end it from now on) and
    /// lets the stand-in exit.
    public static func leaveTerminal(study: String, storePath: String, logPath: String, ignoreHangup: () -> Void) {
        // The name may have come from a store: shown, never sent as a control sequence.
        print(ProcessText.printable("Detached: study \(study) goes on in process \(getpid()) on \(ProcessInfo.processInfo.hostName); its log is \(logPath)."))
        print(ProcessText.printable("Attach again with: hypertop attach \(study) --storage \(storePath)"))
        fflush(nil)
        redirectOutput(to: logPath)
        ignoreHangup()
        if let pid = supervisorPID { kill(pid, SIGUSR1) }
    }

    /// Points stdout and stderr at `path` (appended), stdin at /dev/null.
    public static func redirectOutput(to path: String) {
        fflush(nil)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        dup2(fd, STDOUT_FILENO)
        dup2(fd, STDERR_FILENO)
        close(fd)
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, STDIN_FILENO); close(null) }
    }

    /// `run --detach`: starts the engine in its own session (headless, output in the sweep
    /// directory's log), waits until it has claimed the study in the store, and says how to attach.
    public static func start(_ args: [String], spec: StudySpec, storePath: String, sweepDir: String, projectDir: String) async throws {
        try? FileManager.default.createDirectory(atPath: sweepDir, withIntermediateDirectories: true)
        let logPath = (sweepDir as NSString).appendingPathComponent("hypertop.log")
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw EngineProcessError("cannot write the engine's log \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let startedAt = Date()
        let pid = try spawn(args, environment: [detachedVariable: "1"], stdin: null, stdout: log, stderr: log)
        let deadline = Date().addingTimeInterval(SessionStartWait.seconds)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { text in
                    text.split(separator: "\n", omittingEmptySubsequences: false).suffix(12).joined(separator: "\n")
                } ?? ""
                throw EngineProcessError("the detached engine ended at once (exit status \((status >> 8) & 0xff)); the end of its log \(logPath):\n\(tail)")
            }
            if let store = try? StudyStore(path: storePath, readOnly: true), let id = try? store.studyID(named: spec.studyName),
               let owner = try? store.engineOwner(studyID: id), owner.pid == pid, owner.since >= startedAt.addingTimeInterval(-1) {
                let controls = ControlFiles.choose(directory: projectDir, study: spec.studyName)
                print(ProcessText.printable("Study \(spec.studyName) runs detached: process \(pid) on \(ProcessInfo.processInfo.hostName); its log is \(logPath)."))
                print(ProcessText.printable("Attach:  hypertop attach \(spec.studyName) --storage \(storePath)"))
                print(ProcessText.printable("Stop:    rm \(controls.stopFile)   (running trials finish), or `s` in attach"))
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw EngineProcessError("the detached engine (process \(pid)) did not claim study \(spec.studyName) in \(storePath) within \(Int(SessionStartWait.seconds)) s; see its log \(logPath).")
    }
}

enum SessionStartWait {
    /// Opening waits up to 30 s for a locked store; the engine then claims the study.
    static let seconds: Double = StudySession.lockWait + 30
}
