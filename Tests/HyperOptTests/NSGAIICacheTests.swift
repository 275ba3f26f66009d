@testable import HyperOpt
import XCTest

/// NSGA-II keeps its parent populations between asks (`Generations`); what it proposes must not
/// depend on that: a sampler asked all along a study proposes what a new one proposes.
final class NSGAIICacheTests: XCTestCase {
    private let space = SearchSpace((0..<5).map { Parameter(name: "x\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })

    /// ZDT1 on x0..x4 with its second objective negated (so maximized), and one constraint,
    /// x0 + x1 >= 0.6 (feasible when <= 0).
    private func score(_ p: Params) -> (objectives: [Double], constraints: [Double]) {
        let x = (0..<5).map { p["x\($0)"]?.number ?? 1 }
        let g = 1 + 9 * x[1...].reduce(0, +) / 4
        return ([x[0], -g * (1 - (x[0] / g).squareRoot())], [0.6 - x[0] - x[1]])
    }

    /// 300 asks of a study with two objectives and a constraint in which three trials run at once
    /// and end in random order (sets arrive after later ones), repeats move sets' means (the same
    /// set's values with new scores, now and then a NaN), a set comes back as a new object with
    /// equal values, and sets already run may not be proposed again. (A cache that missed a moved
    /// objective, a moved constraint or a late set failed this in scratch builds.)
    func testLongLivedSamplerProposesWhatAFreshOneProposesAtEveryAsk() {
        let options = NSGAIIOptions(populationSize: 10)
        let directions: [Direction] = [.minimize, .maximize]
        var kept = NSGAIISampler(options: options)
        var g = SeededGenerator(seed: 11)
        var completed: [Observation] = []
        var running: [(number: Int, params: Params)] = []  // three trials at once
        var excluded = Set<ParamKey>()
        var moved = 0
        for t in 0..<300 {
            let context = SamplingContext(space: space, directions: directions, trialNumber: t, seed: 6,
                                          completed: completed, running: running.map(\.params), excluded: excluded)
            guard let proposal = kept.sample(context) else { return XCTFail("no proposal at trial \(t)") }
            XCTAssertEqual(proposal, NSGAIISampler(options: options).proposal(context), "trial \(t)")
            XCTAssertFalse(excluded.contains(ParamKey(proposal, space: space)), "trial \(t)")
            excluded.insert(ParamKey(proposal, space: space))
            running.append((t, proposal))
            if running.count == 3 {
                let (number, params) = running.remove(at: Crossover.pick(running.count, using: &g))
                let (objectives, constraints) = score(params)
                completed.append(Observation(params: params, objectives: objectives, constraints: constraints, number: number))
                completed.sort { $0.number < $1.number }
            }
            if t % 5 == 2, !completed.isEmpty {
                // A repeat of one of the newest sets (those that may still be parents) moves its means.
                let i = completed.count - 1 - Crossover.pick(min(completed.count, 20), using: &g), o = completed[i]
                // Every other time only the constraint moves; now and then an objective becomes NaN.
                let onlyConstraint = t % 10 == 7
                var objectives = o.objectives, constraints = o.constraints
                if onlyConstraint {
                    constraints = [g.unit() - 0.5]
                } else {
                    objectives = t % 25 == 12 ? [o.objectives[0], .nan] : o.objectives.map { $0 * (0.5 + g.unit()) }
                }
                completed[i] = Observation(values: o.values, objectives: objectives, constraints: constraints, number: o.number)
                moved += 1
            }
            if t % 13 == 6, !completed.isEmpty {
                let i = Crossover.pick(completed.count, using: &g), o = completed[i]
                completed[i] = Observation(params: o.params, objectives: o.objectives, constraints: o.constraints, number: o.number)
            }
        }
        XCTAssertEqual(completed.count, 298)
        XCTAssertEqual(moved, 60)
        // Children were bred: a child inherits values of its parents, a uniform draw never repeats one.
        var values = Set<Double>(), inherited = 0
        for o in completed.sorted(by: { $0.number < $1.number }) {
            let x = o.params.values.compactMap(\.number)
            if x.contains(where: values.contains) { inherited += 1 }
            values.formUnion(x)
        }
        XCTAssertGreaterThan(inherited, 200)
    }
}
