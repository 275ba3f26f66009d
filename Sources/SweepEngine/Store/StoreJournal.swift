import CSpawn
import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Events the store could not take (a full disk, a write lock another process held), kept in an
/// append-only file beside the store until they are recorded: one JSON event per line, in the
/// store's event coding. The engine appends to it while the store fails and removes it once the
/// store has them all; the next `run` of the study replays what a dead engine left in it.
///
/// A full disk that fails the store would fail the journal too: so the engine makes the journal,
/// empty, when the study starts, with `reservedBytes` of disk reserved for it (`reserve`), and
/// appends into that space. An append that fails leaves the file as it was (whole events only).
public struct StoreJournal: Sendable, Equatable {
    /// The disk reserved for a study's journal: the events of a long failure of a busy study.
    public static let reservedBytes: Int64 = 8 << 20

    public let path: String

    public init(path: String) { self.path = path }

    public init(storePath: String, studyID: Int) {
        path = "\(storePath).unrecorded-\(studyID).jsonl"
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Appends the events and syncs them to the disk.
    public func append(_ events: [EngineEvent]) throws {
        guard !events.isEmpty else { return }
        let encoder = EventCoding.encoder()
        var bytes = Data()
        for event in events {
            bytes.append(try encoder.encode(event))
            bytes.append(0x0A)
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw JournalError(path: path, detail: String(cString: strerror(errno))) }
        /// A failed append is undone: what the journal holds stays whole events, each acknowledged.
        func failed(_ code: Int32) -> JournalError {
            _ = ftruncate(fd, st.st_size)
            return JournalError(path: path, detail: String(cString: strerror(code)))
        }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failed(errno)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw failed(errno) }
    }

    /// Makes the journal (empty) with `bytes` of disk reserved for it, its size unchanged: appends
    /// into that space need no new blocks, so they succeed on a disk the store found full. False
    /// where the file system cannot reserve (the journal then grows as it is written); throws
    /// when there is no room for it.
    @discardableResult
    public func reserve(bytes: Int64 = reservedBytes) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        switch hypertop_reserve_space(fd, off_t(bytes)) {
        case 0: return true
        case EOPNOTSUPP, ENOSYS: return false
        case let code: throw JournalError(path: path, detail: String(cString: strerror(code)))
        }
    }

    /// Removes the journal when it holds no event (its reserved space goes with it).
    public func removeIfEmpty() {
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size == 0 { unlink(path) }
    }

    /// The kept events, in order. A last line cut short (the engine died while writing it) was
    /// never acknowledged and is left out; any other line that is not an event is an error.
    public func read() throws -> [EngineEvent] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JournalError(path: path, detail: FileErrorText.describe(error))
        }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        // A complete file ends with a newline: its last piece is empty, or a torn line.
        lines.removeLast()
        var events: [EngineEvent] = []
        for (i, line) in lines.enumerated() where !line.isEmpty {
            let text = String(decoding: line, as: UTF8.self)
            guard let event = try? EventCoding.decodeAll([text]).first else {
                throw JournalError(path: path, detail: "line \(i + 1) is not an event hypertop wrote")
            }
            events.append(event)
        }
        return events
    }

    public func remove() throws {
        do {
            if exists { try FileManager.default.removeItem(atPath: path) }
        } catch {
            throw JournalError(path: path, detail: FileErrorText.describe(error))
        }
    }
}

public struct JournalError: UserError {
    public let path: String
    public let detail: String
    public var description: String { "\(path): \(detail)" }
}

extension StudyStore {
    /// Records what a journal holds for a study, then removes the journal; the number of events.
    public func replay(_ journal: StoreJournal, studyID: Int) throws -> Int {
        guard journal.exists else { return 0 }
        let events = try journal.read()
        try record(events, studyID: studyID)
        try journal.remove()
        return events.count
    }
}
