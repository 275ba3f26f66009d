import Foundation
import HyperOpt

/// What can go wrong opening or using a study store; each prints as one sentence plus the fix.
public enum StoreError: UserError, Equatable {
    /// The file is an SQLite database but not an Optuna RDB storage.
    case notAnOptunaStore(path: String)
    /// The file is not an SQLite database at all (text, random bytes).
    case notSQLite(path: String)
    /// The file has no tables and is in WAL mode without its write-ahead log: the log, which held
    /// what was not yet copied into the file, was deleted (or the store never held anything).
    case writeAheadLogMissing(path: String)
    /// The store's file was deleted, or another file put at its path, while the study ran.
    case fileGone(path: String, replaced: Bool)
    /// An Optuna storage of a schema this build does not read or write.
    case unsupportedSchema(path: String, schemaVersion: Int?, alembic: String?)
    /// The file is not there (read-only opening never creates one).
    case missingFile(path: String)
    case studyExists(name: String)
    case unknownStudy(id: Int)
    /// Another engine, still alive, runs the study.
    case studyRunning(name: String, pid: Int32, host: String)
    /// A study row holds something Optuna itself would not write.
    case corrupt(path: String, detail: String)
    /// The study has no trial of that number.
    case unknownTrial(studyID: Int, number: Int)
    /// A note was changed by another writer (`by`: optuna-dashboard, another hypertop) after the
    /// edit began.
    case noteChanged(trial: Int?, by: String)

    public var description: String {
        switch self {
        case .notAnOptunaStore(let path):
            return "\(path) is an SQLite file but not an Optuna study store (no version_info/alembic_version tables). "
                + "Name another store file, or move this one away."
        case .writeAheadLogMissing(let path):
            return "\(path) has no tables, and its write-ahead log \(path)-wal, which holds what was not yet copied into the file, "
                + "is missing or empty (deleted while a process had the store open?): what it held is lost, "
                + "or the store never held a study."
        case .fileGone(let path, let replaced):
            return replaced ? "the study store \(path) was replaced by another file while the study ran"
                : "the study store \(path) was deleted while the study ran, and the study's record with it"
        case .notSQLite(let path):
            return "\(path) is not a study store: it is not an SQLite file at all. Name another store file, or move this one away."
        case .unsupportedSchema(let path, let version, let alembic):
            let theirs = "schema \(version.map(String.init) ?? "?") (alembic \(alembic ?? "?"))"
            let ours = "schema \(OptunaSchema.schemaVersion) (alembic \(OptunaSchema.alembicHead))"
            switch version {
            case let v? where v > OptunaSchema.schemaVersion:
                // `optuna storage upgrade` only goes forward: a newer store needs a newer reader.
                return "\(path) is an Optuna store of \(theirs), newer than this hypertop understands (it reads \(ours)); "
                    + "a newer Optuna wrote it, and no tool turns it back. Open it with a newer hypertop."
            case let v? where v < OptunaSchema.schemaVersion:
                return "\(path) is an Optuna store of \(theirs), older than this hypertop reads (\(ours)). "
                    + "Upgrade it with `optuna storage upgrade --storage sqlite:///\(path)`."
            default:
                return "\(path) is an Optuna store of \(theirs), a revision this hypertop does not know (it reads \(ours)). "
                    + "Open it with the Optuna that wrote it, or with a newer hypertop."
            }
        case .missingFile(let path):
            return "No study store at \(path). Check the path, or run a study first with `hypertop run`."
        case .studyExists(let name):
            return "A study named \"\(name)\" already exists in this store. Resume it with --resume, or start over with --new."
        case .unknownStudy(let id):
            return "There is no study with id \(id) in this store. List the studies with `hypertop studies --list`."
        case .studyRunning(let name, let pid, let host):
            return "Study \"\(name)\" is being run by process \(pid) on \(host). Follow it with `hypertop watch`, or stop that process first."
        case .corrupt(let path, let detail):
            return "\(path) holds a study hypertop cannot read: \(detail). Open it with Python optuna to inspect it."
        case .unknownTrial(let id, let number):
            return "Study \(id) has no trial #\(number) in this store."
        case .noteChanged(let trial, let by):
            return "The note on \(trial.map { "trial \($0)" } ?? "the study") changed in the store while it was edited "
                + "(by \(by)); nothing was written. It is shown as it is now: edit it again."
        }
    }
}
