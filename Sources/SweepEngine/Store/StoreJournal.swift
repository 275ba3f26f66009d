import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Events the store could not take (a full disk, a write lock another process held), kept in an
/// append-only file beside the store until they are recorded: one JSON event per line, in the
/// store's event coding. The engine appends to it while the store fails and removes it once the
/// store has them all; the next `run` of the study replays what a dead engine left in it.
public struct StoreJournal: Sendable, Equatable {
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
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw JournalError(path: path, detail: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw JournalError(path: path, detail: String(cString: strerror(errno))) }
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
