import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// The files of one trial's run directory.
public struct TrialFiles: Sendable {
    public let runDir: String

    public init(runDir: String) { self.runDir = runDir }

    private func file(_ name: String) -> String { (runDir as NSString).appendingPathComponent(name) }

    /// A trial directory that is already there (an earlier engine's, or a link someone left) is
    /// renamed out of the way, the link itself and never what it points to: a new trial must read
    /// only what its own job writes. Returns where it went, nil when there was nothing.
    static func moveAsideExisting(_ runDir: String) throws -> String? {
        var st = stat()
        guard lstat(runDir, &st) == 0 else { return nil }
        let aside = StudySession.unusedPath(runDir + "-moved-" + StudySession.stamp())
        guard rename(runDir, aside) == 0 else {
            throw LaunchError(description: "\(runDir) already exists and cannot be moved aside: \(String(cString: strerror(errno)))")
        }
        return aside
    }

    public var stdout: String { file("stdout.log") }
    public var stderr: String { file("stderr.log") }
    public var metrics: String { file("metrics.jsonl") }
    public var progressCSV: String { file("progress.csv") }
    public var command: String { file("command.txt") }
    public var params: String { file("params.json") }
    public var outcome: String { file("outcome.json") }
    /// What a Hydra app's decorated function returned, written by hypertop's callback.
    public var returned: String { file("returned.json") }
    /// The job's process group id, so a later engine can end jobs a dead one left behind.
    public var jobID: String { file("job.pid") }
    /// The trial's arguments as JSON, for a command with `${args_json_file}` (W&B's macro).
    public var argsJSON: String { file(TrialArguments.argsJSONFileName) }

    /// `command.txt` holds the argv one argument per line (exact, no quoting needed), then a
    /// shell-quoted line to paste; `params.json` the parameters.
    func writeLaunchRecord(argv: [String], params: Params, space: SearchSpace, repeatIndex: Int, paramSet: Int) throws {
        let pasteable = ProcessText.commandLine(argv)
        try (argv.joined(separator: "\n") + "\n\n# as a shell command:\n" + pasteable + "\n").write(toFile: command, atomically: true, encoding: .utf8)
        let json = JSONText.object([
            ("params", JSONText.params(params, order: space)),
            ("param_set", String(paramSet)),
            ("repeat", String(repeatIndex)),
        ])
        try (json + "\n").write(toFile: self.params, atomically: true, encoding: .utf8)
    }

    /// The value the app returned (with a tuple's leading numbers and a dict's numbers), or why
    /// it cannot be a score; nil when nothing was returned.
    func readReturned() -> Result<ReturnedValue, ScoreFailure>? {
        // JSONDecoder, not JSONSerialization: the latter rounds a third of all doubles wrongly
        // here (0.00651592972722763 became 0.006515929727227629), and the value is stored as is.
        guard let data = Self.readHead(returned, maxBytes: 64 * 1024),
              let file = try? JSONDecoder().decode(ReturnedFile.self, from: data) else { return nil }
        if let type = file.unsupported { return .failure(.unsupportedReturn(type: type)) }
        let named = (file.named ?? [:]).compactMapValues(\.number)
        switch file.value {
        case .number(let v):
            let values = file.values.map { $0.compactMap(\.number) }
            return .success(ReturnedValue(value: v, epochs: file.epochs, values: values?.count == file.values?.count ? values : nil))
        case .text(let text):
            guard let v = Double(text) else { return nil }
            // A study of several objectives names which one was not finite.
            if let values = file.values, values.count > 1 {
                return .success(ReturnedValue(value: v, epochs: file.epochs, values: values.compactMap(\.number)))
            }
            return .failure(.nonFinite(v))
        case nil:
            return named.isEmpty ? nil : .success(ReturnedValue(value: nil, named: named))
        }
    }

    /// `returned.json` as the callback writes it (see `HydraCallback`).
    private struct ReturnedFile: Decodable {
        enum Value: Decodable {
            case number(Double)
            case text(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let v = try? c.decode(Double.self) { self = .number(v) } else { self = .text(try c.decode(String.self)) }
            }
            /// The number, with Python's spelling of a non-finite one ("nan", "inf", "-inf") read too.
            var number: Double? {
                switch self {
                case .number(let v): return v
                case .text(let t): return Double(t)
                }
            }
        }
        var value: Value?
        var epochs: Int?
        var values: [Value]?
        var named: [String: Value]?
        var unsupported: String?
    }

    /// The last lines of the job's stderr, read from the end (a failed job's log may be huge).
    func stderrTail(maxBytes: Int = 64 * 1024) -> [String] {
        // Only a regular file: a FIFO would block the open, /dev/zero would never end.
        guard case .opened(let fd) = TrialDirectory.open(runDir, "stderr.log", O_RDONLY | O_NONBLOCK) else { return [] }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return [] }
        guard let size = try? handle.seekToEnd() else { return [] }
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if start > 0 && !lines.isEmpty { lines.removeFirst() }
        return lines
    }

    static func readHead(_ path: String, maxBytes: Int) -> Data? {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        guard case .opened(let fd) = TrialDirectory.open(dir, name, O_RDONLY | O_NONBLOCK) else { return nil }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        return try? handle.read(upToCount: maxBytes)
    }

    func writeJobID(_ id: Int32) {
        TrialDirectory.write("\(id)\n", to: "job.pid", in: runDir)
    }

    public func readJobID() -> Int32? {
        (try? String(contentsOfFile: jobID, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func writeOutcome(_ o: TrialOutcome) {
        var pairs: [(String, String)] = [("state", JSONText.quote(o.state.rawValue))]
        pairs.append(("score", o.score.map { $0.isFinite ? "\($0)" : "null" } ?? "null"))
        pairs.append(("reason", o.reason.map(JSONText.quote) ?? "null"))
        pairs.append(("exit_status", o.exitStatus.map(String.init) ?? "null"))
        pairs.append(("signal", o.signal.map(String.init) ?? "null"))
        TrialDirectory.write(JSONText.object(pairs) + "\n", to: "outcome.json", in: runDir)
    }
}

/// A trial's directory, opened without following a link: a job may replace its directory with a
/// symbolic link (to `/etc`), and hypertop, which may run as root, must then neither write there
/// nor read the link's files as the trial's. Each file is opened relative to the directory opened
/// with `O_NOFOLLOW`, never by its path.
enum TrialDirectory {
    enum Opened {
        case opened(Int32)
        /// Not there (yet, or deleted): nothing to read.
        case missing
        /// The directory is no longer one: why, in words.
        case replaced(String)
    }

    /// `name` in `dir` opened with `flags` (and `O_CLOEXEC`); the caller closes it. With `O_CREAT`,
    /// `name` itself is not followed either when it is a link.
    static func open(_ dir: String, _ name: String, _ flags: Int32, mode: mode_t = 0o644) -> Opened {
        let dfd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dfd >= 0 else {
            if errno == ELOOP || errno == ENOTDIR { return .replaced(replacement(of: dir)) }
            return .missing
        }
        defer { close(dfd) }
        let noFollow = flags & O_CREAT != 0 ? O_NOFOLLOW : 0
        let fd = openat(dfd, name, flags | noFollow | O_CLOEXEC, mode)
        return fd >= 0 ? .opened(fd) : .missing
    }

    /// What stands where the trial's directory was, in words (nil when it is still a directory).
    static func replaced(_ dir: String) -> String? {
        var st = stat()
        guard lstat(dir, &st) == 0, st.st_mode & S_IFMT != S_IFDIR else { return nil }
        return replacement(of: dir)
    }

    static func replacement(of dir: String) -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: dir) {
            return "\(dir) was replaced by a symbolic link (to \(target)); hypertop reads and writes nothing through it"
        }
        return "\(dir) is no longer a directory; hypertop reads and writes nothing there"
    }

    /// Writes `text` to `name` in `dir` whole (a temporary file renamed over it), through the
    /// directory opened without following a link; nothing is written when it was replaced.
    static func write(_ text: String, to name: String, in dir: String) {
        let dfd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dfd >= 0 else { return }
        defer { close(dfd) }
        let temporary = ".\(name).\(getpid()).tmp"
        let fd = openat(dfd, temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            offset += n
        }
        close(fd)
        if offset < bytes.count || renameat(dfd, temporary, dfd, name) != 0 { unlinkat(dfd, temporary, 0) }
    }
}
