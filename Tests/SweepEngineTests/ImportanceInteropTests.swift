import Foundation
import HyperOpt
import XCTest
import StudyReports
@testable import SweepEngine

/// Our importances are Python Optuna's on the same store: `optuna.importance.get_param_importances`
/// (PED-ANOVA, Optuna 5's default) gives the same values and so the same ranking.
final class ImportanceInteropTests: XCTestCase {
    func testTheSameStoreGivesOptunasImportances() throws {
        let dir = try StoreFixtures.tempDirectory(self)
        let store = try StudyStore(path: dir.appendingPathComponent("hypertop.db").path)
        let info = StoreFixtures.info(name: "importance", dir: dir)
        let id = try store.createStudy(info)
        var g = SeededGenerator(seed: 42)
        var events: [EngineEvent] = [.started(info)]
        for n in 0..<120 {
            var p = Params()
            for q in info.spec.space.parameters { p[q.name] = q.distribution.sampleUniform(using: &g) }
            // learning_rate dominates, batch_size matters a little, tau not at all, the choice a little.
            let lr = log(p["++algorithm.learning_rate"]!.number! / 1e-3)
            let batch = log2(p["++algorithm.batch_size"]!.number!) - 6
            let bonus = p["++algorithm.critic_select"] == .string("min") ? 0.05 : 0
            let score = 1 - lr * lr - 0.05 * batch * batch + bonus
            let start = Date(timeIntervalSince1970: 1_790_000_100 + Double(n))
            events.append(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: p, runDir: dir.path + "/\(n)",
                                                command: ["job"], startedAt: start)))
            // A few failed and pruned trials, which neither side counts.
            let state: TrialState = n % 17 == 5 ? .failed : n % 23 == 7 ? .pruned : .complete
            events.append(.finished(TrialOutcome(number: n, state: state, score: state == .complete ? score : nil, reason: nil,
                                                 exitStatus: 0, signal: nil, endedAt: start.addingTimeInterval(5))))
        }
        try store.record(events, studyID: id)
        let ours = try store.loadStudy(id: id).importances

        let out = try StoreFixtures.python("""
            import json, optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            s = optuna.load_study(study_name="importance", storage="sqlite:///hypertop.db")
            print(json.dumps(optuna.importance.get_param_importances(s)))
            """, in: dir)
        let theirs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Double])
        XCTAssertEqual(Set(theirs.keys), Set(ours.map(\.name)))
        for p in ours {
            XCTAssertEqual(p.share, try XCTUnwrap(theirs[p.name]), accuracy: 1e-9, p.name)
        }
        XCTAssertEqual(ours.map(\.name), theirs.sorted { $0.value > $1.value }.map(\.key), "the same ranking")
        XCTAssertEqual(ours.first?.name, "++algorithm.learning_rate")
        XCTAssertEqual(ours.first?.n, 120 - 7 - 5, "complete trials only")

        // `studies --export` writes them into the study's JSON.
        let url = dir.appendingPathComponent("importance.json")
        try StudyExport.write(store.loadStudy(id: id), notes: StudyNotes(), to: url.deletingPathExtension())
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let exported = try XCTUnwrap(json["importance"] as? [[String: Any]])
        XCTAssertEqual(exported.compactMap { $0["param"] as? String }, ours.map(\.name))
        for (e, p) in zip(exported, ours) {
            XCTAssertEqual(try XCTUnwrap(e["importance"] as? Double), try XCTUnwrap(theirs[p.name]), accuracy: 1e-9)
            XCTAssertEqual(e["n_complete"] as? Int, p.n)
        }
        XCTAssertEqual(exported.first?["direction"] as? String, ours.first?.directionText(arrow: "->"))
    }
}
