import Foundation
import GRDB

/// Optuna's RDB schema (schema_version 12, alembic head v3.2.0.a) plus hypertop's own tables.
/// The Optuna DDL is what SQLAlchemy emits for Optuna 5's models, so a file we create is the
/// file `optuna.create_study(storage="sqlite:///...")` would create.
enum OptunaSchema {
    static let schemaVersion = 12
    static let alembicHead = "v3.2.0.a"
    /// What `version_info.library_version` says; Optuna only checks `schema_version`.
    static let libraryVersion = "5.0.0"

    static let optunaTables = [
        """
        CREATE TABLE studies (
        \tstudy_id INTEGER NOT NULL, \n\tstudy_name VARCHAR(512) NOT NULL, \n\tPRIMARY KEY (study_id)
        )
        """,
        "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)",
        """
        CREATE TABLE version_info (
        \tversion_info_id INTEGER NOT NULL, \n\tschema_version INTEGER, \n\tlibrary_version VARCHAR(256), \n\tPRIMARY KEY (version_info_id), \n\tCHECK (version_info_id=1)
        )
        """,
        """
        CREATE TABLE study_directions (
        \tstudy_direction_id INTEGER NOT NULL, \n\tdirection VARCHAR(8) NOT NULL, \n\tstudy_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tPRIMARY KEY (study_direction_id), \n\tUNIQUE (study_id, objective), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)
        )
        """,
        attributes("study_user_attributes", id: "study_user_attribute_id", owner: "study_id", ownerTable: "studies"),
        attributes("study_system_attributes", id: "study_system_attribute_id", owner: "study_id", ownerTable: "studies"),
        """
        CREATE TABLE trials (
        \ttrial_id INTEGER NOT NULL, \n\tnumber INTEGER, \n\tstudy_id INTEGER, \n\tstate VARCHAR(8) NOT NULL, \n\tdatetime_start DATETIME, \n\tdatetime_complete DATETIME, \n\tPRIMARY KEY (trial_id), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)
        )
        """,
        "CREATE INDEX ix_trials_study_id ON trials (study_id)",
        attributes("trial_user_attributes", id: "trial_user_attribute_id", owner: "trial_id", ownerTable: "trials"),
        attributes("trial_system_attributes", id: "trial_system_attribute_id", owner: "trial_id", ownerTable: "trials"),
        """
        CREATE TABLE trial_params (
        \tparam_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\tparam_name VARCHAR(512), \n\tparam_value FLOAT, \n\tdistribution_json TEXT, \n\tPRIMARY KEY (param_id), \n\tUNIQUE (trial_id, param_name), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)
        )
        """,
        """
        CREATE TABLE trial_values (
        \ttrial_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tvalue FLOAT, \n\tvalue_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_value_id), \n\tUNIQUE (trial_id, objective), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)
        )
        """,
        """
        CREATE TABLE trial_intermediate_values (
        \ttrial_intermediate_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tstep INTEGER NOT NULL, \n\tintermediate_value FLOAT, \n\tintermediate_value_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_intermediate_value_id), \n\tUNIQUE (trial_id, step), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)
        )
        """,
        """
        CREATE TABLE trial_heartbeats (
        \ttrial_heartbeat_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\theartbeat DATETIME NOT NULL, \n\tPRIMARY KEY (trial_heartbeat_id), \n\tUNIQUE (trial_id), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)
        )
        """,
        """
        CREATE TABLE alembic_version (
        \tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        )
        """,
    ]

    /// hypertop's own tables, one id sequence for all of a file's events:
    /// - `hypertop_events`: the engine's events as JSON (`payload`), except metrics;
    /// - `hypertop_metrics`: one row per logged metric row of a running trial, every series (not just
    ///   the criterion); `metric_values` packs per entry a little-endian UInt32 key id
    ///   (`hypertop_metric_keys`) then a little-endian Float64. Rows are inserted in event order, so
    ///   `metric_row_id` order is `event_id` order and no index on `event_id` is needed. It has no
    ///   index on `trial_id` either: with 64 jobs logging, one would dirty a page per trial in every
    ///   commit, while the only reader by trial is the move below, once per finished trial, over a
    ///   table that holds just the running trials' rows;
    /// - `hypertop_trial_metrics`: a finished trial's rows moved into one blob (see `MetricValues`),
    ///   so reopening a study reads one row per trial instead of one per logged row.
    static let hypertopTables = [
        """
        CREATE TABLE IF NOT EXISTS hypertop_events (
        \tevent_id INTEGER NOT NULL PRIMARY KEY, \n\tstudy_id INTEGER NOT NULL REFERENCES studies (study_id), \n\tat DATETIME NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\ttrial_number INTEGER, \n\tpayload TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_hypertop_events_study ON hypertop_events (study_id, event_id)",
        """
        CREATE TABLE IF NOT EXISTS hypertop_metric_keys (
        \tkey_id INTEGER NOT NULL PRIMARY KEY, \n\tstudy_id INTEGER NOT NULL REFERENCES studies (study_id), \n\tname TEXT NOT NULL, \n\tUNIQUE (study_id, name)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS hypertop_metrics (
        \tmetric_row_id INTEGER NOT NULL PRIMARY KEY, \n\tstudy_id INTEGER NOT NULL REFERENCES studies (study_id), \n\tevent_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL REFERENCES trials (trial_id), \n\t"row" INTEGER NOT NULL, \n\tstep INTEGER, \n\tmetric_values BLOB NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS hypertop_trial_metrics (
        \ttrial_id INTEGER NOT NULL PRIMARY KEY REFERENCES trials (trial_id), \n\tstudy_id INTEGER NOT NULL REFERENCES studies (study_id), \n\tlast_event_id INTEGER NOT NULL, \n\trow_count INTEGER NOT NULL, \n\t"rows" BLOB NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_hypertop_trial_metrics_event ON hypertop_trial_metrics (last_event_id)",
    ]

    private static func attributes(_ table: String, id: String, owner: String, ownerTable: String) -> String {
        """
        CREATE TABLE \(table) (
        \t\(id) INTEGER NOT NULL, \n\t\(owner) INTEGER, \n\t"key" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (\(id)), \n\tUNIQUE (\(owner), "key"), \n\tFOREIGN KEY(\(owner)) REFERENCES \(ownerTable) (\(owner))
        )
        """
    }

    /// Creates Optuna's tables on an empty file, or checks an existing file is Optuna schema 12;
    /// then adds hypertop's tables when the file is writable.
    static func prepare(_ db: Database, path: String, readOnly: Bool) throws {
        let hasVersion = try db.tableExists("version_info")
        let hasAlembic = try db.tableExists("alembic_version")
        if !hasVersion && !hasAlembic {
            let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
            if tables > 0 { throw StoreError.notAnOptunaStore(path: path) }
            if readOnly { throw EmptyStoreFile() }
            for sql in optunaTables { try db.execute(sql: sql) }
            try db.execute(sql: "INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)",
                           arguments: [schemaVersion, libraryVersion])
            try db.execute(sql: "INSERT INTO alembic_version (version_num) VALUES (?)", arguments: [alembicHead])
        } else {
            let version = hasVersion ? try Int.fetchOne(db, sql: "SELECT schema_version FROM version_info") : nil
            let alembic = hasAlembic ? try String.fetchOne(db, sql: "SELECT version_num FROM alembic_version") : nil
            guard version == schemaVersion, alembic == alembicHead else {
                throw StoreError.unsupportedSchema(path: path, schemaVersion: version, alembic: alembic)
            }
        }
        if !readOnly {
            for sql in hypertopTables { try db.execute(sql: sql) }
        }
    }
}

/// A read-only store file with no table at all: not an Optuna store, or one whose write-ahead log
/// is missing (`StudyStore.init` tells which).
struct EmptyStoreFile: Error {}
