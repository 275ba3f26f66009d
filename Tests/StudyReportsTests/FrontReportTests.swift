import Foundation
import HyperOpt
import StudyReports
import XCTest

/// Issue 31: what the report, the export, `best` and the end summary say of a study of two
/// objectives with a constraint.
final class FrontReportTests: XCTestCase {
    /// Sets (minimize cost, maximize accuracy): 0 (1, 0.5), 1 (2, 0.8), 2 (3, 0.7) dominated by 1,
    /// 3 (0.5, 0.9) infeasible (its constraint is 2), 4 (4, 0.95) run twice: (4, 0.9) and (4, 1.0).
    func study() -> Study {
        var spec = StudySpec(studyName: "mo", maxTrials: 10, nJobs: 1, direction: .minimize,
                             space: SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 10, log: false, step: nil))]),
                             sampler: .nsgaii(NSGAIIOptions()), criterion: "cost")
        spec.directions = [.minimize, .maximize]
        spec.criteria = ["cost", "accuracy"]
        spec.constraints = ["over"]
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        var study = Study()
        study.apply(.started(StudyInfo(spec: spec, sweepDir: "d", stopFile: "s", pauseFile: "p", startedAt: t0)))
        let runs: [(set: Int, values: [Double], c: Double)] = [(0, [1, 0.5], 0), (1, [2, 0.8], -1), (2, [3, 0.7], 0),
                                                                (3, [0.5, 0.9], 2), (4, [4, 0.9], 0), (4, [4, 1.0], 0)]
        for (n, run) in runs.enumerated() {
            study.apply(.launched(TrialLaunch(number: n, paramSet: run.set, repeatIndex: n == 5 ? 1 : 0, params: ["x": .float(Double(run.set))],
                                              runDir: "d/\(n)", command: ["job", "x=\(run.set)"], startedAt: t0)))
            var o = TrialOutcome(number: n, state: .complete, score: run.values[0], reason: nil, exitStatus: 0, signal: nil,
                                 endedAt: t0.addingTimeInterval(Double(n + 1)))
            o.values = run.values
            o.constraints = [run.c]
            study.apply(.finished(o))
        }
        return study
    }

    func testTheReportHasTheFrontAsATableAndAChart() throws {
        let s = study()
        let md = StudyReport.markdown(s, notes: StudyNotes(), storage: "r.db", images: ["h.svg", "i.svg", "s.svg", "front.svg"])
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "## Pareto front"), md)
        let rows = lines[(start + 4)...].prefix { $0.hasPrefix("|") }.dropFirst(2)
        XCTAssertEqual(rows.map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }, ["0", "1", "4"],
                       "sorted by cost; set 2 is dominated and set 3 infeasible: \(md)")
        XCTAssertTrue(lines.contains("![front](front.svg)"), md)
        XCTAssertTrue(lines.contains("| direction | 2 objectives: minimize cost, maximize accuracy, rule wiki over each |"), md)

        let svg = StudyCharts(s).front()
        XCTAssertEqual(svg.components(separatedBy: "<circle class=\"front\"").count - 1, 3, svg)
        XCTAssertEqual(svg.components(separatedBy: "<circle class=\"set\"").count - 1, 1)
        XCTAssertEqual(svg.components(separatedBy: "class=\"infeasible\" data-set=\"3\"").count - 1, 1)
        XCTAssertTrue(svg.contains("<path class=\"front\""))
        XCTAssertTrue(svg.contains("Pareto front: 3 of 5 sets (cost and accuracy)"), svg)
    }

    func testTheExportHasOptunasValuesColumnsAndTheConstraints() throws {
        let csv = StudyExport.csv(study()).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[0].hasPrefix("number,state,value,values_0,values_1,constraints,param_set,"), csv[0])
        XCTAssertTrue(csv[4].hasPrefix("3,COMPLETE,0.5,0.5,0.9,[2.0],3,"), csv[4])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(StudyExport.json(study()).utf8)) as? [String: Any])
        let trials = try XCTUnwrap(json["trials"] as? [[String: Any]])
        XCTAssertEqual(trials[5]["values"] as? [Double], [4, 1.0])
        XCTAssertEqual(trials[3]["constraints"] as? [Double], [2])
    }

    func testBestPrintsTheFrontAndTheSummaryListsIt() throws {
        let s = study()
        let front = BestText.sortedFront(s)
        XCTAssertEqual(front.map(\.paramSet), [0, 1, 4])
        let text = BestText.renderFront(front, spec: s.info!.spec, study: "mo", format: .overrides) { s.trial($0.firstTrial)?.launch }
        XCTAssertEqual(text.split(separator: "\n").first.map(String.init), "# set 0: cost=1, accuracy=0.5 (1 run, constraints 0)")
        XCTAssertTrue(text.contains("# set 4: cost=4, accuracy=0.95 (2 runs, constraints 0)"), text)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(BestText.renderFront(front, spec: s.info!.spec, study: "mo", format: .json) {
            s.trial($0.firstTrial)?.launch
        }.utf8)) as? [String: Any])
        XCTAssertEqual(json["objectives"] as? [String], ["cost", "accuracy"])
        let sets = try XCTUnwrap(json["front"] as? [[String: Any]])
        XCTAssertEqual(sets.compactMap { $0["set"] as? Int }, [0, 1, 4])
        XCTAssertEqual((sets[2]["interval95"] as? [Any])?.count, 2, "a set run twice has an interval per objective")
        let summary = StudyResults.lines(s, space: s.info?.spec.space)
        XCTAssertEqual(summary[1], "Pareto front: 3 sets (cost minimize, accuracy maximize)")
        XCTAssertEqual(summary.count, 5)
        let yaml = StudyResults.resultsYAML(s, spec: s.info!.spec)
        XCTAssertTrue(yaml.contains("solutions:\n- params:\n    \"x\": 0.0\n  values: [1.0, 0.5]\n  runs: 1\n"), yaml)
    }
}
