import Foundation
import HyperOpt

/// Why a stored study could not be found or read; one sentence with the fix.
public struct StoredStudyError: UserError {
    public let description: String
}

/// Why a stored study's engine does not run (`StoredStudy.notRunning`).
public struct NotRunning: Sendable, Equatable, CustomStringConvertible {
    /// `.done`, `.stopped` or `.deleted`.
    public let state: EngineState
    /// `study "w" is not running (done)`.
    public let description: String
}

/// One study in a store, as the viewers use it (`attach`, `watch`, `studies`, `best`, `report`):
/// found by name (or the one started last), read whole, followed, its notes read and saved, its
/// engine's state, renamed and deleted. Reads go through one read-only connection; each write opens
/// a connection of its own for its moment, since the engine holds the store's writer.
public struct StoredStudy: Sendable {
    public let path: String
    public let store: StudyStore
    public let id: Int
    public let name: String

    /// How long a write waits for another process's lock.
    static let writeTimeout: TimeInterval = 5

    public init(path: String, store: StudyStore, id: Int, name: String) {
        self.path = path
        self.store = store
        self.id = id
        self.name = name
    }

    /// The store at `path`, opened read-only.
    public static func openStore(_ path: String) throws -> StudyStore {
        do {
            return try StudyStore(path: path, readOnly: true)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoredStudyError(description: "cannot open \(path): \(FileErrorText.describe(error))")
        }
    }

    /// The study named `name` in the store at `path`; without a name, the one started last.
    public static func open(storePath path: String, named name: String?) throws -> StoredStudy {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoredStudyError(description: "no study store at \(path); pass the one the study records in with --storage.")
        }
        let store = try openStore(path)
        let all: [StoredStudySummary]
        do { all = try store.studies() } catch { throw StoredStudyError(description: "cannot read the studies in \(path): \(error)") }
        if let name {
            guard let s = all.first(where: { $0.name == name }) else {
                let names = all.map { ProcessText.printable($0.name) }.joined(separator: ", ")
                throw StoredStudyError(description: "no study named \"\(ProcessText.printable(name))\" in \(path); it has: \(names).")
            }
            return StoredStudy(path: path, store: store, id: s.studyID, name: s.name)
        }
        guard let last = all.max(by: { ($0.started ?? .distantPast, $0.studyID) < ($1.started ?? .distantPast, $1.studyID) }) else {
            throw StoredStudyError(description: "\(path) holds no study yet; start one with `hypertop run`.")
        }
        return StoredStudy(path: path, store: store, id: last.studyID, name: last.name)
    }

    /// The study as recorded, whole.
    public func load() throws -> Study {
        do {
            return try store.loadStudy(id: id)
        } catch {
            throw StoredStudyError(description: "cannot read study \"\(ProcessText.printable(name))\" from \(path): \(error)")
        }
    }

    /// Lets the store go when the viewer ends: the last process to have it open returns it to
    /// rollback-journal mode (see `StudyStore.close`).
    public func close() { store.close() }

    /// A follower of what is recorded from now on (see `StudyFollower`).
    public func follower() -> StudyFollower { StudyFollower(store: store, studyID: id) }

    /// The notes as the store has them now (optuna-dashboard's format); nil when they cannot be read.
    public func notes() -> StudyNotes? { try? store.notes(studyID: id) }

    /// Saves the note made from `base`, as `writer` (another writer's change meanwhile is kept,
    /// and named, see `StudyStore.saveNote`); returns what was written and the notes as the store
    /// then has them. A correction of a line that changed meanwhile throws `StoreError.noteChanged`.
    public func saveNote(trial: Int?, body: String, base: String, by writer: NoteWriter) throws -> (saved: SavedNote, notes: StudyNotes) {
        let store = try StudyStore(path: path, busyTimeout: Self.writeTimeout, oneWrite: true)
        let saved = try store.saveNote(studyID: id, trial: trial, body: body, base: base, writer: writer)
        return (saved, try store.notes(studyID: id))
    }

    /// Its line in the store's list of studies (trials per state, best value, dates), now.
    public func summary() -> StoredStudySummary? { try? store.studies().first { $0.studyID == id } }

    /// Whether its engine runs, and where; nil when that cannot be read.
    public func engineState() -> EngineState? { try? store.engineState(studyID: id) }

    /// Why its engine does not run, as `attach` (which refuses it) and `watch` (which says it)
    /// both tell it, from one decision (`StudyStore.engineState`): nil while the engine runs, and
    /// where that cannot be known (a study Python optuna runs).
    public func notRunning() -> NotRunning? {
        guard let state = engineState() else { return nil }
        let study = "study \"\(ProcessText.printable(name))\" is not running"
        switch state {
        case .running, .unknown:
            return nil
        case .done:
            return NotRunning(state: state, description: "\(study) (done)")
        case .stopped:
            // Said when known: a killed engine's process is gone (a signal's stop ends it too).
            let gone = (try? store.engineOwner(studyID: id)).flatMap { $0 }.flatMap { owner in
                owner.isAlive == false ? ": the engine that ran it (process \(owner.pid) on \(owner.host)) is gone" : nil
            }
            return NotRunning(state: state, description: "\(study) (stopped)" + (gone ?? ""))
        case .deleted:
            return NotRunning(state: state, description: "\(study) (deleted from \(path))")
        }
    }

    public func rename(to new: String) throws {
        try StudyStore(path: path, busyTimeout: Self.writeTimeout, oneWrite: true).renameStudy(id: id, to: new)
    }

    /// Deletes every row of the study (a running study is refused by the store).
    public func delete() throws {
        try StudyStore(path: path, busyTimeout: Self.writeTimeout, oneWrite: true).deleteStudy(id: id)
    }
}
