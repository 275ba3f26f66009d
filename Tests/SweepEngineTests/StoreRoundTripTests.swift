import Foundation
import GRDB
import HyperOpt
import XCTest
import StudyReports
@testable import SweepEngine

final class StoreRoundTripTests: XCTestCase {
    func testRecordedStudyReplaysExactly() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let events = StoreFixtures.sampleEvents()
        let store = try StudyStore(path: path)
        let id = try store.createStudy(info)
        try store.record(Array(events.prefix(7)), studyID: id)
        try store.record(Array(events.dropFirst(7)), studyID: id)

        let expected = StoreFixtures.study(info, events)
        // A fresh process opening the file read-only sees the same study.
        let loaded = try StudyStore(path: path, readOnly: true).loadStudy(id: id)
        XCTAssertEqual(loaded.trials, expected.trials)
        XCTAssertEqual(loaded.paramSets, expected.paramSets)
        XCTAssertEqual(loaded.phase, .stopping)
        XCTAssertEqual(loaded.info?.stopFile, info.stopFile)
        XCTAssertEqual(loaded.info?.spec.space, info.spec.space)
        XCTAssertEqual(loaded.best?.paramSet, 0)
        XCTAssertEqual(loaded.trial(4)?.metrics.count, 2)
    }

    /// Issue 27, M3: the study's direction is Optuna's `study_directions`, whatever its log's
    /// `started` says (an earlier hypertop recorded the config's on a resume with another
    /// direction): the loaded study ranks as `studies`, the store and Optuna do.
    func testALoadedStudyHasTheStoresDirectionWhateverItsLogSays() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(direction: .maximize, dir: dir)
        let store = try StudyStore(path: path)
        let id = try store.createStudy(info)
        try store.record(StoreFixtures.sampleEvents(), studyID: id)
        var flipped = info
        flipped.spec.direction = .minimize
        try store.record([.started(flipped)], studyID: id)

        let loaded = try StudyStore(path: path, readOnly: true).loadStudy(id: id)
        XCTAssertEqual(loaded.direction, .maximize)
        XCTAssertEqual(try store.studies().first?.direction, .maximize)
        // Set 0 has mean 0.625; set 5's 0.9 leads when maximizing, as the store says, not minimizing.
        try store.record([.launched(StoreFixtures.launch(5)), .finished(StoreFixtures.outcome(5, .complete, score: 0.9))], studyID: id)
        XCTAssertEqual(try store.loadStudy(id: id).best?.paramSet, 5)
        XCTAssertEqual(try store.studies().first?.bestValue, 0.9)
    }

    func testOptunaTablesHoldWhatOptunaWouldWrite() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: id)

        let db = try DatabaseQueue(path: path)
        try db.read { db in
            let trials = try Row.fetchAll(db, sql: "SELECT number, state, datetime_start FROM trials ORDER BY number")
            XCTAssertEqual(trials.map { $0[0] as Int }, [0, 1, 2, 3, 4])
            XCTAssertEqual(trials.map { $0[1] as String }, ["COMPLETE", "PRUNED", "FAIL", "COMPLETE", "RUNNING"])
            XCTAssertEqual(trials[0][2] as String, "2026-09-21 14:13:30.000000")
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT direction FROM study_directions"), "MAXIMIZE")

            // A pruned trial without a score gets its last intermediate value, as in Optuna; a failed one no value.
            let values = try Row.fetchAll(db, sql: """
                SELECT t.number, v.value, v.value_type FROM trial_values v JOIN trials t USING (trial_id) ORDER BY t.number
                """)
            XCTAssertEqual(values.map { $0[0] as Int }, [0, 1, 3])
            XCTAssertEqual(values.map { $0[1] as Double }, [0.75, 0.0, 0.5])

            // Only the criterion goes to intermediate values; a row without a step uses its index.
            let steps = try Row.fetchAll(db, sql: """
                SELECT t.number, v.step, v.intermediate_value FROM trial_intermediate_values v JOIN trials t USING (trial_id)
                ORDER BY t.number, v.step
                """)
            XCTAssertEqual(steps.map { "\($0[0] as Int):\($0[1] as Int)" }, ["0:1000", "0:2000", "1:0", "2:1000", "3:1000", "3:2000", "3:3000", "4:1000", "4:2000"])
            XCTAssertEqual(steps[1][2] as Double, 0.2, accuracy: 1e-12)

            let params = try Row.fetchAll(db, sql: """
                SELECT param_name, param_value, distribution_json FROM trial_params p JOIN trials t USING (trial_id)
                WHERE t.number = 2 ORDER BY param_id
                """)
            XCTAssertEqual(params.map { $0[0] as String }, StoreFixtures.space.parameters.map(\.name))
            XCTAssertEqual(params[2][1] as Double, 2.0, "categorical stored as the index of null in its choices")
            XCTAssertEqual(params[2][2] as String, #"{"name": "CategoricalDistribution", "attributes": {"choices": ["min", "max", null, 3]}}"#)
            XCTAssertEqual(params[0][2] as String, #"{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0001, "high": 0.005, "log": true}}"#)
            XCTAssertEqual(params[1][2] as String, #"{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 16, "high": 256}}"#)

            let attributes = try Row.fetchAll(db, sql: """
                SELECT "key", value_json FROM trial_system_attributes a JOIN trials t USING (trial_id) WHERE t.number = 2
                """)
            let byKey = Dictionary(uniqueKeysWithValues: attributes.map { ($0[0] as String, $0[1] as String) })
            XCTAssertEqual(byKey[StoreKey.runDir], "\"/tmp/sweep/2\"")
            XCTAssertEqual(byKey[StoreKey.command], #"["reach-trainer", "++algorithm.tau=2", "a b,\"c\""]"#)
            XCTAssertEqual(byKey[StoreKey.failReason], "\"exit status 1\"")
            XCTAssertEqual(byKey[StoreKey.exitStatus], "1")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM trial_heartbeats"), 5)
        }
    }

    /// What a trial used in all is kept as Optuna trial system attributes and in the log (a
    /// reloaded study has it); a measurement of now is never written.
    func testResourceTotalsAreKeptAndUsageSamplesAreNot() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        let at = Date(timeIntervalSince1970: 1_790_000_050)
        let sample = UsageSample(at: at, machine: MachineUsage(cpuPercent: 50, cpus: 2, memoryUsed: 1, memoryTotal: 2),
                                 trials: [0: TrialUsage(cpuPercent: 99, cpuSeconds: 3, rssBytes: 5 << 20, peakRSSBytes: 5 << 20, threads: 2, processes: 1)])
        try store.record([.launched(StoreFixtures.launch(0)), .usage(sample),
                          .resourceTotals(trial: 0, totals: ResourceTotals(cpuSeconds: 12.5, peakRSSBytes: 130 << 20, peakGPUBytes: 2 << 30)),
                          .finished(StoreFixtures.outcome(0, .complete, score: 0.75))], studyID: id)
        let loaded = try store.loadStudy(id: id)
        XCTAssertEqual(loaded.trial(0)?.totals, ResourceTotals(cpuSeconds: 12.5, peakRSSBytes: 130 << 20, peakGPUBytes: 2 << 30))
        XCTAssertNil(loaded.trial(0)?.usage, "no measurement of now was recorded")
        XCTAssertNil(loaded.machine)
        try DatabaseQueue(path: path).read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM hypertop_events WHERE kind = 'usage'"), 0)
            let attributes = try Row.fetchAll(db, sql: """
                SELECT "key", value_json FROM trial_system_attributes a JOIN trials t USING (trial_id) WHERE t.number = 0
                """)
            let byKey = Dictionary(uniqueKeysWithValues: attributes.map { ($0[0] as String, $0[1] as String) })
            XCTAssertEqual(byKey[StoreKey.cpuSeconds], "12.5")
            XCTAssertEqual(byKey[StoreKey.peakRSSMegabytes], "130.0")
            XCTAssertEqual(byKey[StoreKey.peakGPUMegabytes], "2048.0")
        }
    }

    func testCompleteWithoutScoreIsFailInOptunaTables() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record([.launched(StoreFixtures.launch(0)), .finished(StoreFixtures.outcome(0, .complete, score: nil))], studyID: id)
        let state = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT state FROM trials") }
        XCTAssertEqual(state, "FAIL")
    }

    func testARepeatedLaunchAddsNoSecondOptunaTrial() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record([.launched(StoreFixtures.launch(0))], studyID: id)
        try store.record([.launched(StoreFixtures.launch(0))], studyID: id)
        let count = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM trials") }
        XCTAssertEqual(count, 1)
    }

    func testEventsAfterCursorFollowTheLogInOrder() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let store = try StudyStore(path: path)
        let id = try store.createStudy(info)
        let events = StoreFixtures.sampleEvents()
        try store.record(Array(events.prefix(5)), studyID: id)

        let reader = try StudyStore(path: path, readOnly: true)
        let first = try reader.events(studyID: id, after: 0)
        XCTAssertEqual(first.events.count, 6, "started + 5")
        try store.record(Array(events.dropFirst(5)), studyID: id)
        let second = try reader.events(studyID: id, after: first.cursor)
        XCTAssertEqual(second.events.count, events.count - 5)
        XCTAssertEqual(try reader.events(studyID: id, after: second.cursor).events.count, 0)

        var study = Study()
        for e in first.events + second.events { study.apply(e) }
        XCTAssertEqual(study.trials, StoreFixtures.study(info, events).trials)
        guard case .metrics(let trial, let rows) = second.events.first(where: { if case .metrics = $0 { return true }; return false }) else {
            return XCTFail("no metrics event")
        }
        XCTAssertEqual(trial, 0)
        XCTAssertEqual(rows, StoreFixtures.rows(1, base: 0.5))
    }

    func testFollowerGetsRowsLoggedBeforeAndAfterATrialFinishes() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let store = try StudyStore(path: path)
        let id = try store.createStudy(info)
        let reader = try StudyStore(path: path, readOnly: true)
        try store.record([.launched(StoreFixtures.launch(0)), .metrics(trial: 0, rows: StoreFixtures.rows(2, base: 0))], studyID: id)
        let first = try reader.events(studyID: id, after: 0)
        let late = [MetricRow(step: 5000, values: ["eval/success_rate": 0.9])]
        let rest: [EngineEvent] = [.metrics(trial: 0, rows: late), .finished(StoreFixtures.outcome(0, .complete, score: 0.9)),
                                   .metrics(trial: 0, rows: StoreFixtures.rows(1, base: 1))]
        try store.record(rest, studyID: id)
        let second = try reader.events(studyID: id, after: first.cursor)
        XCTAssertEqual(second.events.count, 3)
        guard case .metrics(0, let rows) = second.events[0], case .finished = second.events[1], case .metrics(0, let after) = second.events[2] else {
            return XCTFail("events out of order: \(second.events)")
        }
        XCTAssertEqual(rows, late, "only the row logged after the cursor, though the trial's rows are packed now")
        XCTAssertEqual(after, StoreFixtures.rows(1, base: 1))
        var study = Study()
        for e in first.events + second.events { study.apply(e) }
        XCTAssertEqual(study.trials, try reader.loadStudy(id: id).trials)
        XCTAssertEqual(study.trials, StoreFixtures.study(info, [.launched(StoreFixtures.launch(0)), .metrics(trial: 0, rows: StoreFixtures.rows(2, base: 0))] + rest).trials)
    }

    func testTwoStudiesInOneFileKeepTheirOwnEvents() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let a = try store.createStudy(StoreFixtures.info(name: "a", dir: dir))
        let b = try store.createStudy(StoreFixtures.info(name: "b", dir: dir))
        let start = try store.events(studyID: a, after: 0).cursor
        for n in 0..<3 {
            try store.record([.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(1, base: 0.1))], studyID: a)
            try store.record([.launched(StoreFixtures.launch(n)), .metrics(trial: n, rows: StoreFixtures.rows(2, base: 0.5))], studyID: b)
        }
        let newA = try store.events(studyID: a, after: start).events
        XCTAssertEqual(newA.count, 6)
        let rowsA = newA.reduce(0) { total, e in if case .metrics(_, let rows) = e { return total + rows.count }; return total }
        XCTAssertEqual(rowsA, 3)
        XCTAssertEqual(try store.loadStudy(id: b).trials.map(\.metrics.count), [2, 2, 2])
        XCTAssertEqual(try store.loadStudy(id: a).trials.map(\.metrics.count), [1, 1, 1])
    }

    func testResumedStudyContinuesNumberingAndKeepsRows() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let info = StoreFixtures.info(dir: dir)
        let events = StoreFixtures.sampleEvents()
        let id: Int
        do {
            let store = try StudyStore(path: path)
            id = try store.createStudy(info)
            try store.record(events, studyID: id)
        }
        // A second engine (a new process: no caches) continues the study.
        let store = try StudyStore(path: path)
        XCTAssertEqual(try store.studyID(named: "reach"), id)
        XCTAssertThrowsError(try store.createStudy(info)) { XCTAssertEqual($0 as? StoreError, .studyExists(name: "reach")) }
        let more: [EngineEvent] = [.started(info), .metrics(trial: 4, rows: StoreFixtures.rows(1, base: 0.9)),
                                   .finished(StoreFixtures.outcome(4, .complete, score: 0.9)), .launched(StoreFixtures.launch(5))]
        try store.record(more, studyID: id)
        let loaded = try store.loadStudy(id: id)
        XCTAssertEqual(loaded.trials, StoreFixtures.study(info, events + more).trials)
        let compacted = try DatabaseQueue(path: path).read { db in
            try Int.fetchOne(db, sql: "SELECT row_count FROM hypertop_trial_metrics m JOIN trials t USING (trial_id) WHERE t.number = 4")
        }
        XCTAssertEqual(compacted, 3, "row indexes continue after a reopen, and a finished trial's rows are packed")
    }

    func testSummaryCountsStatesAndBestValue() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: id)
        let min = try store.createStudy(StoreFixtures.info(name: "other", direction: .minimize, dir: dir))
        try store.record([.launched(StoreFixtures.launch(0)), .finished(StoreFixtures.outcome(0, .complete, score: 3)),
                          .launched(StoreFixtures.launch(1)), .finished(StoreFixtures.outcome(1, .complete, score: 2))], studyID: min)

        let summaries = try store.studies()
        XCTAssertEqual(summaries.map(\.name), ["reach", "other"])
        let s = summaries[0]
        XCTAssertEqual(s.counts, [.complete: 2, .pruned: 1, .failed: 1, .running: 1])
        XCTAssertEqual(s.total, 5)
        // Set 0 ran twice (0.75 and 0.5): the best set's mean, as the dashboard shows it.
        XCTAssertEqual(s.bestValue, 0.625)
        XCTAssertEqual(s.bestValue, StoreFixtures.study(StoreFixtures.info(dir: dir), StoreFixtures.sampleEvents()).best?.mean)
        XCTAssertEqual(s.direction, .maximize)
        XCTAssertEqual(s.started, Date(timeIntervalSince1970: 1_790_000_010))
        XCTAssertEqual(s.lastActivity, Date(timeIntervalSince1970: 1_790_000_113))
        XCTAssertTrue(s.hasEventLog)
        XCTAssertEqual(summaries[1].bestValue, 2)
        XCTAssertEqual(summaries[1].direction, .minimize)
    }

    func testExportWritesEveryTrial() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let id = try store.createStudy(StoreFixtures.info(dir: dir))
        try store.record(StoreFixtures.sampleEvents(), studyID: id)
        let csvURL = dir.appendingPathComponent("trials.csv"), jsonURL = dir.appendingPathComponent("trials.json")
        try StudyExport.write(store.loadStudy(id: id), notes: StudyNotes(), to: dir.appendingPathComponent("trials"))

        let lines = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        XCTAssertTrue(lines[0].hasPrefix("number,state,value,param_set,repeat,datetime_start,datetime_complete,duration_s,params_++algorithm.learning_rate,"))
        XCTAssertTrue(lines[3].hasPrefix("2,FAIL,,2,0,2026-09-21 14:13:32.000000,2026-09-21 14:15:12.000000,100.000,0.000411"), String(lines[3]))
        // No usage was measured in these events: its three columns are empty.
        XCTAssertTrue(lines[3].hasSuffix(",64,null,0.5,/tmp/sweep/2,1,,exit status 1,,,"), String(lines[3]))
        XCTAssertTrue(lines[5].hasPrefix("4,RUNNING,,4,0,"))

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL)) as? [String: Any]
        let trials = json?["trials"] as? [[String: Any]]
        XCTAssertEqual(json?["study_name"] as? String, "reach")
        XCTAssertEqual(trials?.count, 5)
        XCTAssertEqual(trials?[0]["value"] as? Double, 0.75)
        XCTAssertEqual((trials?[3]["metrics"] as? [Any])?.count, 3)
        XCTAssertEqual((trials?[2]["params"] as? [String: Any])?["++algorithm.batch_size"] as? Int, 64)
        XCTAssertTrue((trials?[2]["params"] as? [String: Any])?["++algorithm.critic_select"] is NSNull)
    }
}
