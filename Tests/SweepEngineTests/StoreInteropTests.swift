import Foundation
import HyperOpt
import XCTest
@testable import SweepEngine

/// Python optuna reads what we write, and we read what it writes.
final class StoreInteropTests: XCTestCase {
    func testPythonOptunaLoadsOurStudy() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let path = dir.appendingPathComponent("hypertop.db").path
        let store = try StudyStore(path: path)
        let info = StoreFixtures.info(dir: dir)
        let id = try store.createStudy(info)
        let events = StoreFixtures.sampleEvents() + [.metrics(trial: 4, rows: [MetricRow(step: 9000, values: ["eval/success_rate": .infinity])])]
        try store.record(events, studyID: id)

        let out = try StoreFixtures.python("""
            import json, math, optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="reach", storage="sqlite:///hypertop.db")
            def num(v):
                return None if v is None else float(v).hex()
            print(json.dumps({
                "direction": s.direction.name,
                "best": [s.best_trial.number, num(s.best_value), s.best_params],
                "trials": [{"number": t.number, "state": t.state.name, "value": num(t.value),
                            "params": {k: (num(v) if isinstance(v, float) else v) for k, v in t.params.items()},
                            "intermediate": {str(k): num(v) for k, v in t.intermediate_values.items()},
                            "start": t.datetime_start.strftime("%Y-%m-%d %H:%M:%S.%f") if t.datetime_start else None,
                            "system": t.system_attrs} for t in s.trials],
                "study_system": s._storage.get_study_system_attrs(s._study_id),
            }))
            # Optuna can go on with the study in our file.
            t = s.ask()
            s.tell(t, 0.1)
            """, in: dir)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let expected = StoreFixtures.study(info, events)
        XCTAssertEqual(json["direction"] as? String, "MAXIMIZE")
        let best = try XCTUnwrap(json["best"] as? [Any])
        XCTAssertEqual(best[0] as? Int, 0)
        XCTAssertEqual(StoreFixtures.hexDouble(best[1]), 0.75)
        let trials = try XCTUnwrap(json["trials"] as? [[String: Any]])
        XCTAssertEqual(trials.count, expected.trials.count)
        for (t, record) in zip(trials, expected.trials) {
            XCTAssertEqual(t["number"] as? Int, record.number)
            let state = record.state == .complete && record.score == nil ? "FAIL" : record.state.rawValue
            XCTAssertEqual(t["state"] as? String, state)
            let params = try XCTUnwrap(t["params"] as? [String: Any])
            XCTAssertEqual(params.count, 4)
            for (name, value) in record.launch.params {
                switch value {
                case .float(let v): XCTAssertEqual(StoreFixtures.hexDouble(params[name]), v, name)
                case .int(let v): XCTAssertEqual(params[name] as? Int, v, name)
                case .string(let v): XCTAssertEqual(params[name] as? String, v, name)
                case .null: XCTAssertTrue(params[name] is NSNull, name)
                case .bool(let v): XCTAssertEqual(params[name] as? Bool, v, name)
                case .list, .mapping: XCTAssertEqual(String(describing: params[name]), value.jsonText, name)
                }
            }
            // A step reported twice keeps its first value, as Optuna's report() does.
            var series: [Int: Double] = [:]
            for (step, value) in record.series("eval/success_rate") where series[step] == nil { series[step] = value }
            let intermediate = try XCTUnwrap(t["intermediate"] as? [String: Any])
            XCTAssertEqual(intermediate.count, series.count, "trial \(record.number)")
            for (step, value) in series {
                XCTAssertEqual(StoreFixtures.hexDouble(intermediate[String(step)]), value, "trial \(record.number) step \(step)")
            }
            let system = try XCTUnwrap(t["system"] as? [String: Any])
            XCTAssertEqual(system[StoreKey.runDir] as? String, record.launch.runDir)
            XCTAssertEqual(system[StoreKey.command] as? [String], record.launch.command)
            XCTAssertEqual(system[StoreKey.paramSet] as? Int, record.launch.paramSet)
            XCTAssertEqual(t["start"] as? String, OptunaFormat.datetime(record.launch.startedAt))
        }
        XCTAssertEqual(StoreFixtures.hexDouble(trials[0]["value"]), 0.75)
        XCTAssertEqual(StoreFixtures.hexDouble(trials[3]["value"]), 0.5)
        XCTAssertTrue(trials[2]["value"] is NSNull)
        XCTAssertEqual((json["study_system"] as? [String: Any])?[StoreKey.stopFile] as? String, info.stopFile)

        // The trial Python added is part of the study for us too.
        let after = try StudyStore(path: path, readOnly: true).studies()
        XCTAssertEqual(after.first?.total, expected.trials.count + 1)
    }

    func testWeLoadAStudyPythonOptunaWrote() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        _ = try StoreFixtures.python("""
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.create_study(storage="sqlite:///python.db", study_name="py", direction="minimize")
            def objective(t):
                lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
                n = t.suggest_int("n", 1, 64, log=True)
                c = t.suggest_categorical("c", ["min", "max", None, 3])
                q = t.suggest_float("q", 0.0, 1.0, step=0.25)
                for step in range(3):
                    t.report(lr * (step + 1), step)
                if t.number == 1:
                    raise optuna.TrialPruned()
                if t.number == 2:
                    raise ValueError("boom")
                return lr + n
            s.optimize(objective, n_trials=5, catch=(ValueError,))
            s.enqueue_trial({"lr": 0.01})
            import json
            print(json.dumps([[t.number, t.state.name, t.value, t.params, {str(k): v for k, v in t.intermediate_values.items()}] for t in s.trials]))
            """, in: dir)
        let store = try StudyStore(path: dir.appendingPathComponent("python.db").path, readOnly: true)
        let id = try XCTUnwrap(try store.studyID(named: "py"))
        let study = try store.loadStudy(id: id)
        let truth = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try StoreFixtures.python("""
            import optuna, json
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="py", storage="sqlite:///python.db")
            h = lambda v: None if v is None else float(v).hex()
            print(json.dumps([[t.number, t.state.name, h(t.value), {k: (h(v) if isinstance(v, float) else v) for k, v in t.params.items()},
                               {str(k): h(v) for k, v in t.intermediate_values.items()},
                               t.datetime_start.strftime("%Y-%m-%d %H:%M:%S.%f") if t.datetime_start else None] for t in s.trials]))
            """, in: dir).utf8)) as? [[Any]])

        XCTAssertEqual(study.info?.spec.studyName, "py")
        XCTAssertEqual(study.direction, .minimize)
        XCTAssertEqual(study.info?.spec.space.parameters.map(\.name), ["lr", "n", "c", "q"])
        XCTAssertEqual(study.info?.spec.space.parameters[1].distribution, .int(low: 1, high: 64, log: true, step: 1))
        XCTAssertEqual(study.info?.spec.space.parameters[2].distribution, .categorical(choices: [.string("min"), .string("max"), .null, .int(3)]))
        XCTAssertEqual(study.trials.count, 5, "the enqueued (WAITING) trial is not a run")
        XCTAssertEqual(truth.count, 6)
        for (t, row) in zip(study.trials, truth) {
            XCTAssertEqual(t.number, row[0] as? Int)
            XCTAssertEqual(t.state.rawValue, row[1] as? String)
            XCTAssertEqual(t.score, StoreFixtures.hexDouble(row[2]))
            let params = try XCTUnwrap(row[3] as? [String: Any])
            XCTAssertEqual(t.launch.params["lr"], .float(try XCTUnwrap(StoreFixtures.hexDouble(params["lr"]))))
            XCTAssertEqual(t.launch.params["n"], .int(try XCTUnwrap(params["n"] as? Int)))
            XCTAssertEqual(t.launch.params["q"], .float(try XCTUnwrap(StoreFixtures.hexDouble(params["q"]))))
            switch params["c"] {
            case let s as String: XCTAssertEqual(t.launch.params["c"], .string(s))
            case let i as Int: XCTAssertEqual(t.launch.params["c"], .int(i))
            default: XCTAssertEqual(t.launch.params["c"], .null)
            }
            let intermediate = try XCTUnwrap(row[4] as? [String: String])
            XCTAssertEqual(t.series("value").map { "\($0.step)=\($0.value)" }.sorted(),
                           intermediate.map { "\($0.key)=\(Double($0.value) ?? .nan)" }.sorted())
            XCTAssertEqual(OptunaFormat.datetime(t.launch.startedAt), row[5] as? String)
        }
        XCTAssertEqual(study.trial(1)?.state, .pruned)
        XCTAssertEqual(study.trial(2)?.state, .failed)
        XCTAssertEqual(study.count(.complete), 3)
        XCTAssertNotNil(study.best)

        let summary = try XCTUnwrap(try store.studies().first)
        XCTAssertEqual(summary.counts, [.complete: 3, .pruned: 1, .failed: 1, .waiting: 1])
        XCTAssertFalse(summary.hasEventLog)
        XCTAssertEqual(summary.bestValue, study.trials.filter { $0.state == .complete }.compactMap(\.score).min())
    }

    func testWeContinueAStudyPythonOptunaStarted() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        _ = try StoreFixtures.python("""
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.create_study(storage="sqlite:///python.db", study_name="reach", direction="maximize")
            s.optimize(lambda t: t.suggest_float("++algorithm.tau", 0.0, 1.0, step=0.25), n_trials=3)
            """, in: dir)
        let path = dir.appendingPathComponent("python.db").path
        let store = try StudyStore(path: path)
        let id = try XCTUnwrap(try store.studyID(named: "reach"))
        let before = try store.loadStudy(id: id)
        let launch = TrialLaunch(number: 3, paramSet: 3, repeatIndex: 0, params: ["++algorithm.tau": .float(0.5)], runDir: "/tmp/3",
                                 command: ["job"], startedAt: Date())
        try store.record([.launched(launch), .finished(StoreFixtures.outcome(3, .complete, score: 0.5))], studyID: id)
        let after = try store.loadStudy(id: id)
        XCTAssertEqual(Array(after.trials.prefix(3)), before.trials, "Python's trials are kept in the log")
        XCTAssertEqual(after.trials.count, 4)
        let count = try StoreFixtures.python("""
            import optuna
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.load_study(study_name="reach", storage="sqlite:///python.db")
            print(len(s.trials), s.trials[3].params, s.trials[3].value)
            """, in: dir)
        XCTAssertEqual(count.trimmingCharacters(in: .whitespacesAndNewlines), "4 {'++algorithm.tau': 0.5} 0.5")
    }

    func testFollowerReloadsAStudyPythonOptunaIsRunning() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let addTrials = """
            import optuna, sys
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            s = optuna.create_study(storage="sqlite:///python.db", study_name="py", load_if_exists=True)
            s.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
            """
        _ = try StoreFixtures.python(addTrials, in: dir)
        let path = dir.appendingPathComponent("python.db").path
        let reader = try StudyStore(path: path, readOnly: true)
        let id = try XCTUnwrap(try reader.studyID(named: "py"))
        var follower = StudyFollower(store: reader, studyID: id)
        guard case .study(let first) = try follower.poll() else { return XCTFail("first poll loads the study") }
        XCTAssertEqual(first.trials.count, 2)
        guard case .none = try follower.poll() else { return XCTFail("nothing changed") }

        _ = try StoreFixtures.python(addTrials, in: dir)
        guard case .study(let second) = try follower.poll() else { return XCTFail("new trials reload the study") }
        XCTAssertEqual(second.trials.count, 4)

        // hypertop takes the study over: the follower switches to its event log.
        let writer = try StudyStore(path: path)
        let launch = TrialLaunch(number: 4, paramSet: 4, repeatIndex: 0, params: ["x": .float(0.5)], runDir: "/tmp/4", command: ["job"],
                                 startedAt: Date())
        try writer.record([.launched(launch)], studyID: id)
        guard case .study(let third) = try follower.poll() else { return XCTFail("the new log reloads the study") }
        XCTAssertEqual(third.trials.count, 5)
        try writer.record([.finished(StoreFixtures.outcome(4, .complete, score: 0.5))], studyID: id)
        guard case .events(let events) = try follower.poll(), case .finished(let outcome)? = events.first else {
            return XCTFail("then it follows the log")
        }
        XCTAssertEqual(outcome.number, 4)
    }
}
