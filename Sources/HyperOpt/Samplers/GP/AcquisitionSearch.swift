import Foundation

/// Where the acquisition is highest: `nCandidates` random points (snapped to the space's steps)
/// scored at once, then local searches from the best point observed, the best candidate and a
/// roulette draw among the other candidates. A local search alternates bounded L-BFGS on the
/// numeric inputs with a sweep of every choice of each categorical input.
struct AcquisitionSearch {
    let encoding: GPEncoding
    let acquisition: Acquisition
    let options: GPOptions

    struct Result {
        /// The local searches' optima, best first.
        var optima: [[Double]]
        var candidates: [[Double]]
        /// The candidates' acquisition values.
        var scores: [Double]

        /// The candidates best first, for when the study has run every optimum already.
        var candidatesBestFirst: LazyMapSequence<[Int], [Double]> {
            scores.indices.sorted { scores[$0] > scores[$1] }.lazy.map { candidates[$0] }
        }
    }

    /// - Parameter observedBest: the observed point with the best value, the first start.
    func run(observedBest: [Double]?, using g: inout SeededGenerator) -> Result {
        let candidates = (0..<options.nCandidates).map { _ in encoding.snapped(encoding.randomPoint(using: &g)) }
        let scores = acquisition.values(candidates)
        let optima = starts(observedBest: observedBest, candidates: candidates, scores: scores, using: &g)
            .map { localOptimum($0.0, $0.1) }
            .sorted { $0.1 > $1.1 }
            .map(\.0)
        return Result(optima: optima, candidates: candidates, scores: scores)
    }

    /// The local searches' starts with their acquisition: the best point observed, the best
    /// candidate, then a roulette draw without replacement among the other candidates, weights
    /// exp(acquisition − best candidate's) (Efraimidis–Spirakis keys: the largest log(u)/w win).
    func starts(observedBest: [Double]?, candidates: [[Double]], scores: [Double],
                using g: inout SeededGenerator) -> [([Double], Double)] {
        var starts: [([Double], Double)] = []
        if let top = observedBest { starts.append((top, acquisition.value(top))) }
        guard let first = scores.indices.max(by: { scores[$0] < scores[$1] }) else { return starts }
        starts.append((candidates[first], scores[first]))
        guard options.nLocalSearch > starts.count else { return starts }
        var keyed: [(Double, Int)] = []
        for i in scores.indices where i != first {
            let w = exp(scores[i] - scores[first])
            guard w > 0 else { continue }
            keyed.append((log(max(g.unit(), 1e-300)) / w, i))
        }
        keyed.sort { $0.0 > $1.0 }
        return starts + keyed.prefix(options.nLocalSearch - starts.count).map { (candidates[$0.1], scores[$0.1]) }
    }

    /// A local optimum of the acquisition from `start` (whose acquisition is `startValue`):
    /// bounded L-BFGS on the numeric inputs (in the unit cube), then every choice of each
    /// categorical input, alternating while either improves; the result snapped to the space's steps.
    func localOptimum(_ start: [Double], _ startValue: Double) -> ([Double], Double) {
        let categorical = encoding.categorical
        var u = start, value = startValue
        let numeric = categorical.indices.filter { !categorical[$0] }
        for _ in 0..<3 {
            let before = value
            if !numeric.isEmpty { (u, value) = boundedAscent(u, value, numeric: numeric) }
            for i in categorical.indices where categorical[i] {
                guard case .categorical(let choices) = encoding.space.parameters[i].distribution else { continue }
                for c in choices.indices.map(Double.init) where c != u[i] {
                    var t = u
                    t[i] = c
                    let v = acquisition.value(t)
                    if v > value { (u, value) = (t, v) }
                }
            }
            if value <= before + 1e-9 { break }
        }
        let snapped = encoding.snapped(u)
        return (snapped, acquisition.value(snapped))
    }

    /// L-BFGS on −acquisition over the `numeric` inputs, kept in [0, 1] by evaluating at the
    /// clamped point and zeroing the gradient where a bound holds it (a light form of
    /// L-BFGS-B, which Optuna uses here); other inputs stay as they are.
    func boundedAscent(_ start: [Double], _ startValue: Double, numeric: [Int]) -> ([Double], Double) {
        let isNumeric = (0..<start.count).map { numeric.contains($0) }
        func clamp(_ z: [Double]) -> [Double] { z.indices.map { isNumeric[$0] ? min(max(z[$0], 0), 1) : z[$0] } }
        let result = LBFGS.minimize(start, iterations: 30, gradientTolerance: 1e-4) { z in
            let (v, g) = acquisition.valueAndGradient(clamp(z))
            guard v.isFinite else { return nil }
            var descent = [Double](repeating: 0, count: z.count)
            for i in numeric {
                let d = -g[i]
                // At a bound that the ascent pushes against, the coordinate stays put.
                if (z[i] <= 0 && d > 0) || (z[i] >= 1 && d < 0) { continue }
                descent[i] = d
            }
            return (-v, descent)
        }
        guard let (z, f) = result, -f >= startValue else { return (start, startValue) }
        return (clamp(z), -f)
    }
}
