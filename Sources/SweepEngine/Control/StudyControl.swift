import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Where a dashboard's controls go: one protocol, two carriers. `Scheduler` carries them out in
/// the engine's own process (`run`'s dashboard); `RequestFiles` hands them to an engine in another
/// process (`attach`, `watch`). Pause and stop are the study's control files either way.
public protocol StudyControl: Sendable {
    func send(_ command: StudyCommand) async throws
}

/// Why a control could not be handed over; one sentence.
public struct ControlError: UserError {
    public let description: String
}

extension Scheduler: StudyControl {
    public func send(_ command: StudyCommand) async throws {
        if try setup.controls.carryOut(command) { return }
        carryOut(command, defaultReason: "killed by the user")
        await deliverSignals()
    }

    /// What every carrier's command comes to in the engine.
    func carryOut(_ command: StudyCommand, defaultReason: String) {
        switch command {
        case .togglePause, .toggleStop:
            do { _ = try setup.controls.carryOut(command) } catch { note("could not change the control files: \(FileErrorText.describe(error))") }
        case .kill(let n, let reason):
            if running[n] == nil { note("Trial #\(n): a kill was asked (\(reason ?? defaultReason)), but it is not running") }
            terminate(trial: n, reason: reason ?? defaultReason)
        case .killAll(let reason):
            terminateAll(reason: reason ?? defaultReason)
        case .retry(let set):
            retry(paramSet: set)
        case .addRuns(let set, let count):
            addRepeats(paramSet: set, count: count)
        case .enqueue(let params):
            enqueue(params)
        }
    }
}

/// Commands for an engine in another process (`hypertop attach`, on this machine or one sharing
/// the file system): one JSON file each in `<sweep dir>/.hypertop-requests/`, named by a sequence
/// number that the writers take in turn under a lock, renamed into place whole. The engine takes
/// them in that order on its next tick and deletes them.
public struct RequestFiles: StudyControl {
    public static let directoryName = ".hypertop-requests"
    /// A request is a few hundred bytes; a larger file is no request and is not read.
    static let maxRequestBytes = 64 * 1024
    /// What a request may ask: a kill's reason is shown and recorded, so it is kept short and
    /// printable; more runs than this at once is no request a person makes.
    static let maxReasonCharacters = 200
    static let maxAddedRuns = 1000
    public let directory: String
    let controls: ControlFiles?

    /// `controls`: the study's stop and pause files (nil where they are not known).
    public init(sweepDirectory: String, controls: ControlFiles? = nil) {
        directory = (sweepDirectory as NSString).appendingPathComponent(Self.directoryName)
        self.controls = controls
    }

    /// The reason a kill from another process gives when it names none.
    public static let defaultKillReason = "killed by the user (from hypertop attach)"

    public func send(_ command: StudyCommand) throws {
        if let controls, try controls.carryOut(command) { return }
        try write(command)
    }

    /// Writes the request under the next sequence number.
    func write(_ command: StudyCommand) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ControlError(description: "cannot write the request in \(directory): \(FileErrorText.describe(error))")
        }
        let data = try JSONEncoder().encode(command)
        try withSequenceLock { number in
            let name = String(format: "%012d.json", number)
            let tmp = (directory as NSString).appendingPathComponent(".\(name).\(getpid())")
            guard FileManager.default.createFile(atPath: tmp, contents: data),
                  rename(tmp, (directory as NSString).appendingPathComponent(name)) == 0 else {
                let why = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: tmp)
                throw ControlError(description: "cannot write the request in \(directory): \(why)")
            }
        }
    }

    /// Runs `body` with the next sequence number, holding the directory's lock so that two
    /// writers never take the same number.
    private func withSequenceLock(_ body: (Int) throws -> Void) throws {
        let path = (directory as NSString).appendingPathComponent(".sequence")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ControlError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ControlError(description: "cannot lock \(path): \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        let last = n > 0 ? Int(String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 : 0
        let next = last + 1
        try body(next)
        let text = Array("\(next)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
    }

    /// The requests waiting, in their writers' order, each deleted as it is taken; and what was
    /// found that is no request (said in the study's log).
    public func take() -> (commands: [StudyCommand], refused: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var numbered: [(Int, StudyCommand)] = []
        var refused: [String] = []
        for name in names where !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(atPath: path) }
            // Only a regular file, and at most a request's size of it: a FIFO would block, a link
            // could lead anywhere, a huge file would stall the tick. Checked on the open file, so
            // one swapped in after the check is not read either.
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            var st = stat()
            guard fd >= 0, fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
                if fd >= 0 { close(fd) }
                refused.append("\(ProcessText.printable(name)) in \(Self.directoryName) is not a regular file; removed")
                continue
            }
            var bytes = [UInt8](repeating: 0, count: Self.maxRequestBytes + 1)
            let count = st.st_size <= Self.maxRequestBytes ? read(fd, &bytes, bytes.count) : -1
            close(fd)
            guard count >= 0, count <= Self.maxRequestBytes else {
                refused.append("\(ProcessText.printable(name)) in \(Self.directoryName) is \(max(Int(st.st_size), count)) bytes, no request; removed unread")
                continue
            }
            let data = Data(bytes.prefix(count))
            guard name.hasSuffix(".json"), let number = Int(name.dropLast(5)),
                  let command = try? JSONDecoder().decode(StudyCommand.self, from: data) else {
                refused.append("\(ProcessText.printable(name)) in \(Self.directoryName) is not a request hypertop wrote; removed")
                continue
            }
            switch command {
            case .addRuns(_, let count) where !(1...Self.maxAddedRuns).contains(count):
                refused.append("\(ProcessText.printable(name)) in \(Self.directoryName) asks for \(count) more runs (1 to \(Self.maxAddedRuns)); removed")
            case .kill(let n, let reason?):
                numbered.append((number, .kill(trial: n, reason: Self.shown(reason))))
            case .killAll(let reason?):
                numbered.append((number, .killAll(reason: Self.shown(reason))))
            default:
                numbered.append((number, command))
            }
        }
        return (numbered.sorted { $0.0 < $1.0 }.map(\.1), refused)
    }

    /// A reason from another process as it may be shown: printable, short; empty means the default.
    static func shown(_ reason: String) -> String? {
        let text = ProcessText.printable(String(reason.trimmingCharacters(in: .whitespacesAndNewlines).prefix(maxReasonCharacters)))
        return text.isEmpty ? nil : text
    }
}
