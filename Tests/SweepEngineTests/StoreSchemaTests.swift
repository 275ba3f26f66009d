import Foundation
import GRDB
import HyperOpt
import XCTest
@testable import SweepEngine

final class StoreSchemaTests: XCTestCase {
    /// Tables, columns (name, type, not null, pk), unique constraints and indexes of Optuna's tables.
    private func layout(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            var out: [String] = []
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'hypertop_%' AND name NOT LIKE 'sqlite_%' ORDER BY name
                """)
            for table in tables {
                for c in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                    out.append("\(table).\(c["name"] as String) \(c["type"] as String) notnull=\(c["notnull"] as Int) pk=\(c["pk"] as Int)")
                }
                for i in try Row.fetchAll(db, sql: "PRAGMA index_list(\(table))") {
                    let name: String = i["name"]
                    let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
                    // SQLite names constraint indexes after their table; compare what they cover.
                    let label = name.hasPrefix("sqlite_autoindex") ? "autoindex" : name
                    out.append("\(table) index \(label) unique=\(i["unique"] as Int) \(columns.joined(separator: ","))")
                }
                for f in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(table))") {
                    out.append("\(table) fk \(f["from"] as String) -> \(f["table"] as String).\(f["to"] as String)")
                }
            }
            out.append("version_info: " + (try Row.fetchAll(db, sql: "SELECT version_info_id, schema_version FROM version_info")).description)
            out.append("alembic: " + (try String.fetchAll(db, sql: "SELECT version_num FROM alembic_version")).joined())
            return out.sorted()
        }
    }

    func testNewFileHasOptunasSchemaAsPythonCreatesIt() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        _ = try StoreFixtures.python("""
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            optuna.create_study(storage="sqlite:///python.db", study_name="x")
            """, in: dir)
        let ours = dir.appendingPathComponent("hypertop.db").path
        _ = try StudyStore(path: ours)
        let theirs = try layout(dir.appendingPathComponent("python.db").path)
        XCTAssertGreaterThan(theirs.count, 60)
        XCTAssertEqual(try layout(ours), theirs)
    }

    func testNewFileIsWALWithVersionRows() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        _ = try StudyStore(path: path)
        try DatabaseQueue(path: path).read { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT schema_version FROM version_info WHERE version_info_id = 1"), 12)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT version_num FROM alembic_version"), "v3.2.0.a")
        }
        // Reopening validates instead of recreating.
        _ = try StudyStore(path: path)
        _ = try StudyStore(path: path, readOnly: true)
    }

    func testRefusesFilesItCannotRead() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let other = dir.appendingPathComponent("other.db").path
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE notes (id INTEGER)") }
        XCTAssertThrowsError(try StudyStore(path: other)) { XCTAssertEqual($0 as? StoreError, .notAnOptunaStore(path: other)) }

        let text = dir.appendingPathComponent("notes.db").path
        try Data("not a database at all, just text that is long enough to look like a header".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try StudyStore(path: text)) { XCTAssertEqual($0 as? StoreError, .notSQLite(path: text)) }
        XCTAssertEqual("\(StoreError.notSQLite(path: text))", "\(text) is not a study store: it is not an SQLite file at all. Name another store file, or move this one away.")
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "not a database at all, just text that is long enough to look like a header", "left untouched")

        let old = dir.appendingPathComponent("old.db").path
        _ = try StudyStore(path: old)
        try DatabaseQueue(path: old).write { try $0.execute(sql: "UPDATE alembic_version SET version_num = 'v3.0.0.d'; UPDATE version_info SET schema_version = 11") }
        XCTAssertThrowsError(try StudyStore(path: old)) { error in
            XCTAssertEqual(error as? StoreError, .unsupportedSchema(path: old, schemaVersion: 11, alembic: "v3.0.0.d"))
            XCTAssertTrue("\(error)".contains("optuna storage upgrade"))
        }

        let missing = dir.appendingPathComponent("missing.db").path
        XCTAssertThrowsError(try StudyStore(path: missing, readOnly: true)) { XCTAssertEqual($0 as? StoreError, .missingFile(path: missing)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    /// Issue 27 (L11): a store whose write-ahead log was deleted while its writer had it open is
    /// named for what happened, not called "not an Optuna study store"; and a writer notices its
    /// file was deleted or replaced.
    func testALostWriteAheadLogAndADeletedFileAreSaidAsSuch() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let writer = try StudyStore(path: path)
        let id = try writer.createStudy(StoreFixtures.info(dir: dir))
        try writer.record(Array(StoreFixtures.sampleEvents().prefix(3)), studyID: id)
        XCTAssertNoThrow(try writer.checkFile())
        // Nothing was copied into the file yet: the tables are in the log. The file without its log
        // (copied aside: another process would see this one so once its -wal and -shm are deleted).
        let alone = dir.appendingPathComponent("alone.db").path
        try FileManager.default.copyItem(atPath: path, toPath: alone)
        XCTAssertThrowsError(try StudyStore(path: alone, readOnly: true)) { error in
            XCTAssertEqual(error as? StoreError, .writeAheadLogMissing(path: alone))
            XCTAssertTrue("\(error)".contains("its write-ahead log \(alone)-wal, which holds what was not yet copied into the file, is missing or empty"), "\(error)")
        }

        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try writer.checkFile()) { XCTAssertEqual($0 as? StoreError, .fileGone(path: path, replaced: false)) }
        XCTAssertThrowsError(try StoreSink(store: writer, studyID: id).record(StoreFixtures.sampleEvents().suffix(1))) {
            XCTAssertEqual("\($0)", "the study store \(path) was deleted while the study ran, and the study's record with it")
        }
        FileManager.default.createFile(atPath: path, contents: nil)
        XCTAssertThrowsError(try writer.checkFile()) { XCTAssertEqual($0 as? StoreError, .fileGone(path: path, replaced: true)) }
    }

    /// Issue 27, L5: a store a newer Optuna wrote is not "upgraded" (that only goes forward): the
    /// message says it is newer than this hypertop understands, by how much, and to use a newer one.
    func testANewerSchemaAsksForANewerHypertopNotAnUpgrade() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let newer = dir.appendingPathComponent("newer.db").path
        _ = try StudyStore(path: newer)
        try DatabaseQueue(path: newer).write { try $0.execute(sql: "UPDATE alembic_version SET version_num = 'v9.9.0.a'; UPDATE version_info SET schema_version = 99") }
        for readOnly in [false, true] {
            XCTAssertThrowsError(try StudyStore(path: newer, readOnly: readOnly)) { error in
                XCTAssertEqual(error as? StoreError, .unsupportedSchema(path: newer, schemaVersion: 99, alembic: "v9.9.0.a"))
                XCTAssertEqual("\(error)", "\(newer) is an Optuna store of schema 99 (alembic v9.9.0.a), newer than this hypertop understands "
                               + "(it reads schema 12 (alembic v3.2.0.a)); a newer Optuna wrote it, and no tool turns it back. Open it with a newer hypertop.")
                XCTAssertFalse("\(error)".contains("upgrade"))
            }
        }
        XCTAssertEqual(try DatabaseQueue(path: newer).read { try Int.fetchOne($0, sql: "SELECT schema_version FROM version_info") }, 99,
                       "left as it was")
    }

    func testDistributionJSONReadsOldAndNewNames() {
        let cases: [(String, Distribution)] = [
            (#"{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 2.5}}"#, .float(low: 0, high: 2.5, log: false, step: nil)),
            (#"{"name": "LogUniformDistribution", "attributes": {"low": 1e-05, "high": 0.1}}"#, .float(low: 1e-5, high: 0.1, log: true, step: nil)),
            (#"{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.1}}"#, .float(low: 0, high: 1, log: false, step: 0.1)),
            (#"{"name": "IntUniformDistribution", "attributes": {"low": 2, "high": 10, "step": 2}}"#, .int(low: 2, high: 10, log: false, step: 2)),
            (#"{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 64, "step": 1}}"#, .int(low: 1, high: 64, log: true, step: 1)),
            (#"{"name": "CategoricalDistribution", "attributes": {"choices": [true, 3, 3.0, "\u00e9", null]}}"#,
             .categorical(choices: [.bool(true), .int(3), .float(3), .string("é"), .null])),
        ]
        for (json, expected) in cases {
            XCTAssertEqual(DistributionJSON.decode(json), expected, json)
        }
        for d in StoreFixtures.space.parameters.map(\.distribution) {
            XCTAssertEqual(DistributionJSON.decode(DistributionJSON.encode(d)), d)
        }
        XCTAssertNil(DistributionJSON.decode(#"{"name": "FancyDistribution", "attributes": {}}"#))
    }

    func testDatetimesAreNaiveUTCMicroseconds() {
        let date = Date(timeIntervalSince1970: 1_790_000_010.123456)
        XCTAssertEqual(OptunaFormat.datetime(date), "2026-09-21 14:13:30.123456")
        XCTAssertEqual(OptunaFormat.date("2026-09-21 14:13:30.123456")!.timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 1e-6)
        XCTAssertEqual(OptunaFormat.date("2026-09-21 14:13:30"), Date(timeIntervalSince1970: 1_790_000_010))
        XCTAssertNil(OptunaFormat.date("yesterday"))
    }
}
