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

    /// Points stdout and stderr at `path` (appended), stdin at /dev/null. What a detached engine
    /// wrote before (to its start log, see `start`) goes to `path` first.
    public static func redirectOutput(to path: String) {
        fflush(nil)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        if isDetachedEngine { carryStartLog(into: fd) }
        dup2(fd, STDOUT_FILENO)
        dup2(fd, STDERR_FILENO)
        close(fd)
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, STDIN_FILENO); close(null) }
    }

    /// `run --detach`: starts the engine in its own session (headless), waits until it has claimed
    /// the study in the store, and says how to attach. Until it has the study and its sweep
    /// directory, the engine writes to a start log of its own (an unlinked temporary file): an
    /// engine that is refused (another runs the study) never writes into that one's
    /// `hypertop.log`. Once it has them, it carries the start log over into `hypertop.log` and
    /// writes there (`redirectOutput`).
    public static func start(_ args: [String], spec: StudySpec, storePath: String, sweepDir: String, projectDir: String) async throws {
        let logPath = (sweepDir as NSString).appendingPathComponent("hypertop.log")
        var template = Array((NSTemporaryDirectory() + "/hypertop-start-XXXXXX").utf8CString)
        let log = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard log >= 0 else { throw EngineProcessError("cannot make the engine's start log in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))") }
        _ = fcntl(log, F_SETFD, FD_CLOEXEC)
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        defer { close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let startedAt = Date()
        let pid = try spawn(args, environment: [detachedVariable: "1"], stdin: null, stdout: log, stderr: log)
        let deadline = Date().addingTimeInterval(SessionStartWait.seconds)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let tail = String(decoding: readAll(log, from: 0, limit: 64 * 1024), as: UTF8.self)
                    .split(separator: "\n", omittingEmptySubsequences: false).suffix(12).joined(separator: "\n")
                throw EngineProcessError("the detached engine ended at once (exit status \((status >> 8) & 0xff)); what it said:\n\(tail)")
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

extension EngineProcess {
    /// What the detached engine wrote to its start log (its stdout, a regular file the starting
    /// `run --detach` made), written to `fd`: the study's log then holds the whole run.
    static func carryStartLog(into fd: Int32) {
        var st = stat()
        guard fstat(STDOUT_FILENO, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        // Read through /proc: the start log is open write-only here, and already unlinked.
        let start = open("/proc/self/fd/\(STDOUT_FILENO)", O_RDONLY | O_CLOEXEC)
        guard start >= 0 else { return }
        defer { close(start) }
        let limit = 1024 * 1024
        let size = Int(st.st_size)
        let bytes = readAll(start, from: max(0, size - limit), limit: limit)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
    }

    /// At most `limit` bytes of `fd` from `offset`.
    static func readAll(_ fd: Int32, from offset: Int, limit: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, limit - filled, off_t(offset + filled)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        return Array(bytes.prefix(filled))
    }
}

enum SessionStartWait {
    /// Opening waits up to 30 s for a locked store; the engine then claims the study.
    static let seconds: Double = StudySession.lockWait + 30
}

extension EngineProcess {
    /// Replaces this process with the running executable given `args` (as `hypertop ARGS`), in
    /// `directory`: `hypertop demo` becomes `hypertop run` there, so every later step (the
    /// dashboard's child, a detached engine) sees an ordinary `run`. Returns only on failure.
    public static func replace(with args: [String], in directory: String) throws -> Never {
        guard chdir(directory) == 0 else { throw EngineProcessError("cannot enter \(directory): \(String(cString: strerror(errno)))") }
        let exe = JobLocator.executable
        // What was printed but not yet written would be lost with this process's image.
        fflush(nil)
        _ = withCStrings([exe] + args) { argv in execv(exe, argv) }
        throw EngineProcessError("cannot run \(exe): \(String(cString: strerror(errno)))")
    }
}
