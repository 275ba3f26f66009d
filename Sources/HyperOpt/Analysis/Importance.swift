import Foundation

/// Which way a parameter pulls the score.
public enum ImportanceDirection: Sendable, Hashable, Codable {
    /// Higher values score better (Spearman's ρ between value and score ≥ 0.3).
    case higherIsBetter(rho: Double)
    /// Lower values score better (ρ ≤ −0.3).
    case lowerIsBetter(rho: Double)
    /// Neither: the best trials sit near this value.
    case bestNear(ParamValue)
    /// A categorical parameter: the choice with the best mean score.
    case bestChoice(ParamValue)
}

/// One parameter's share of what it takes to reach the best trials, and its direction.
public struct ParamImportance: Sendable, Hashable {
    public var name: String
    /// Share of the parameters' summed importance (they sum to 1; all 0 when nothing is known).
    public var share: Double
    /// PED-ANOVA's unnormalised value.
    public var raw: Double
    public var direction: ImportanceDirection?
    /// Complete trials it rests on.
    public var n: Int

    /// "higher lr → better", "min wins", in the user's words (`label`: the name to show).
    public func directionText(arrow: String = "→", label: String? = nil) -> String {
        let name = label ?? self.name
        switch direction {
        case .higherIsBetter: return "higher \(name) \(arrow) better"
        case .lowerIsBetter: return "lower \(name) \(arrow) better"
        case .bestNear(let v): return "best near \(Self.short(v))"
        case .bestChoice(let v): return "\(v) wins"
        case nil: return ""
        }
    }

    /// A value in at most 4 significant digits.
    static func short(_ v: ParamValue) -> String {
        guard case .float(let x) = v else { return v.description }
        if x != 0, abs(x) < 1e-3 || abs(x) >= 1e5 {
            let e = Int(Foundation.log10(abs(x)).rounded(.down))
            return String(format: "%.3g", x / Foundation.pow(10, Double(e))) + "e\(e)"
        }
        return String(format: "%.4g", x)
    }
}

/// Parameter importance by PED-ANOVA (Watanabe et al., IJCAI 2023), as Optuna 5's default
/// `PedAnovaImportanceEvaluator` computes it: for each parameter, the Pearson divergence between
/// the density of its values among the top 10% of complete trials and among all of them (Parzen
/// estimators with Scott's bandwidth on a 50-point grid, log parameters in log space), so the
/// same store gives the same numbers here and in `optuna.importance.get_param_importances`.
/// It needs no model fit (fANOVA fits a random forest), so it is cheap enough to recompute live.
public enum Importance {
    public static let targetQuantile = 0.1
    static let gridSteps = 50
    static let priorWeight = 1.0

    /// `trials`: complete trials' parameters and finite scores.
    public static func compute(space: SearchSpace, direction: Direction, trials: [(params: Params, score: Double)]) -> [ParamImportance] {
        let scored = trials.filter { $0.score.isFinite }
        let sign = direction == .minimize ? 1.0 : -1.0
        let losses = scored.map { sign * $0.score }
        var out: [ParamImportance] = []
        var top: [Int] = []
        if scored.count > 1 {
            let cutoffIndex = Int((targetQuantile * Double(losses.count)).rounded(.up)) - 1
            let cutoff = losses.sorted()[max(0, cutoffIndex)]
            top = losses.indices.filter { losses[$0] <= cutoff }
        }
        let quantile = scored.isEmpty ? 0 : Double(top.count) / Double(scored.count)
        for p in space.parameters {
            let region = scored.indices.filter { scored[$0].params[p.name] != nil }
            var raw = 0.0
            if scored.count > 1, region.count >= 2, !isSingle(p.distribution) {
                let topHere = top.filter { scored[$0].params[p.name] != nil }
                if !topHere.isEmpty {
                    // One regime (every trial has the parameter): α = β = 1 unless some lack it.
                    let alpha = Double(topHere.count) / Double(top.count), beta = Double(region.count) / Double(scored.count)
                    raw = alpha * alpha / beta * pearsonDivergence(p.distribution, top: topHere.map { scored[$0].params[p.name]! },
                                                                   region: region.map { scored[$0].params[p.name]! })
                }
            }
            out.append(ParamImportance(name: p.name, share: 0, raw: raw * quantile * quantile,
                                       direction: directionOf(p, scored: region.map { (scored[$0].params[p.name]!, -sign * scored[$0].score) },
                                                            top: top.compactMap { scored[$0].params[p.name] }),
                                       n: region.count))
        }
        let total = out.reduce(0) { $0 + $1.raw }
        if total > 0 { for i in out.indices { out[i].share = out[i].raw / total } }
        return out.sorted { $0.share != $1.share ? $0.share > $1.share : $0.name < $1.name }
    }

    static func isSingle(_ d: Distribution) -> Bool {
        switch d {
        case .float(let lo, let hi, _, _): return lo == hi
        case .int(let lo, let hi, _, _): return lo == hi
        case .categorical(let c): return c.count <= 1
        }
    }

    static func pearsonDivergence(_ d: Distribution, top: [ParamValue], region: [ParamValue]) -> Double {
        let pTop = gridDensity(d, top), pRegion = gridDensity(d, region)
        var s = 0.0
        for (a, b) in zip(pTop, pRegion) {
            let t = a + 1e-12, l = b + 1e-12
            s += l * (t / l - 1) * (t / l - 1)
        }
        return s
    }

    /// The Parzen estimator's probabilities on the parameter's grid (Optuna's
    /// `build_parzen_estimator_on_grid`).
    static func gridDensity(_ d: Distribution, _ values: [ParamValue]) -> [Double] {
        if case .categorical(let choices) = d {
            var counts = [Int](repeating: 0, count: choices.count)
            for v in values { if let i = choices.firstIndex(of: v) { counts[i] += 1 } }
            return categoricalDensity(counts)
        }
        var steps = gridSteps
        var lo = 0.0, hi = 0.0, log = false
        switch d {
        case .int(let l, let h, let isLog, let step):
            (lo, hi, log) = (Double(l), Double(h), isLog)
            if isLog {
                steps = min(Int((Foundation.log(Double(h - l + 1)) / Foundation.log(2.0)).rounded(.up)) + 1, steps)
            } else {
                steps = min(Int((Double(h - l) / Double(step)).rounded()) + 1, steps)
            }
        case .float(let l, let h, let isLog, let step):
            (lo, hi, log) = (l, h, isLog)
            if let step { steps = min(Int(((h - l) / step).rounded()) + 1, steps) }
        case .categorical: break
        }
        if log { (lo, hi) = (Foundation.log(lo), Foundation.log(hi)) }
        let size = (hi - lo) / Double(steps - 1)
        var counts = [Int](repeating: 0, count: steps)
        for v in values {
            guard var x = v.number else { continue }
            if log { x = Foundation.log(x) }
            let i = Int(((x - lo) / size - 0.5).rounded(.up))
            counts[min(max(i, 0), steps - 1)] += 1
        }
        return numericDensity(counts)
    }

    static func categoricalDensity(_ counts: [Int]) -> [Double] {
        let k = counts.count
        let observed = counts.indices.filter { counts[$0] > 0 }
        guard !observed.isEmpty else { return [Double](repeating: 1 / Double(k), count: k) }
        let total = Double(observed.reduce(0) { $0 + counts[$1] }) + priorWeight
        var pdf = [Double](repeating: 0, count: k)
        // One kernel per observed choice, weighted by its count, as TPE's kernels are; and the prior.
        let kernel = CategoricalKernel(priorWeight: priorWeight, kernels: observed.count + 1, choices: k)
        for i in observed {
            let w = Double(counts[i]) / total
            for c in 0..<k { pdf[c] += w * (c == i ? kernel.hit : kernel.miss) }
        }
        for c in 0..<k { pdf[c] += priorWeight / total / Double(k) }
        return pdf
    }

    static func numericDensity(_ counts: [Int]) -> [Double] {
        let k = counts.count
        let observed = counts.indices.filter { counts[$0] > 0 }
        let low = 0.0, high = Double(k - 1)
        var mus: [Double] = [], sigmas: [Double] = [], weights: [Double] = []
        if observed.isEmpty {
            (mus, sigmas, weights) = ([(low + high) / 2], [high - low + 1], [1])
        } else {
            let obs = observed.map(Double.init), w = observed.map { Double(counts[$0]) }
            let wSum = w.reduce(0, +)
            let mean = zip(obs, w).reduce(0) { $0 + $1.0 * $1.1 } / wSum
            var sigma = (zip(obs, w).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / max(1, wSum - 1)).squareRoot()
            var cum: [Double] = []
            var running = 0.0
            for x in w { running += x; cum.append(running) }
            let q1Target = (wSum / 4).rounded(.down), q3Target = (wSum * 3 / 4).rounded(.down)
            let q1 = cum.firstIndex { $0 >= q1Target } ?? cum.count
            let q3 = cum.firstIndex { $0 > q3Target } ?? cum.count
            let iqr = obs[min(obs.count - 1, q3)] - obs[min(obs.count - 1, q1)]
            sigma = 1.059 * min(iqr / 1.34, sigma) * pow(wSum, -0.2)
            sigma = max(sigma, 0.5 / 1.64)
            mus = obs + [(low + high) / 2]
            sigmas = [Double](repeating: sigma, count: obs.count) + [high - low + 1]
            weights = (w + [priorWeight]).map { $0 / (wSum + priorWeight) }
        }
        var pdf = [Double](repeating: 0, count: k)
        // Each kernel is a normal truncated to the grid's span, giving each grid value the mass
        // of its bin: TPE's kernel for a stepped parameter.
        for (m, (s, w)) in zip(mus, zip(sigmas, weights)) {
            let logInside = TruncatedNormal.logMass((low - 0.5 - m) / s, (high + 0.5 - m) / s)
            guard logInside > -.infinity else { continue }
            for x in 0..<k {
                pdf[x] += w * exp(TruncatedNormal.logMass((Double(x) - 0.5 - m) / s, (Double(x) + 0.5 - m) / s) - logInside)
            }
        }
        return pdf
    }

    /// Direction from (value, score oriented so that higher is better) pairs.
    static func directionOf(_ p: Parameter, scored: [(ParamValue, Double)], top: [ParamValue]) -> ImportanceDirection? {
        guard scored.count >= 3 else { return nil }
        if case .categorical(let choices) = p.distribution {
            var best: (ParamValue, Double)?
            for c in choices {
                let s = scored.filter { $0.0 == c }.map(\.1)
                guard let m = Sample.mean(s) else { continue }
                if best == nil || m > best!.1 { best = (c, m) }
            }
            return best.map { .bestChoice($0.0) }
        }
        let log: Bool
        switch p.distribution {
        case .float(_, _, let l, _), .int(_, _, let l, _): log = l
        case .categorical: log = false
        }
        let xs = scored.compactMap { v, _ in v.number.map { log ? Foundation.log($0) : $0 } }
        guard xs.count == scored.count, let lo = xs.min(), let hi = xs.max(), hi > lo else { return nil }
        let ys = scored.map(\.1)
        // A peak inside the range (a quadratic fit, opening down, that explains clearly more than
        // a line) is "best near" where the top trials are (their median: a sampler crowds its
        // trials near the best, which pulls a fitted vertex off it); else the rank correlation
        // gives the way.
        let topValues = top.compactMap(\.number).sorted()
        let topMedian = topValues.isEmpty ? nil : topValues[(topValues.count - 1) / 2]
        let u = xs.map { ($0 - lo) / (hi - lo) }
        if let q = quadraticFit(u, ys), q.c < 0 {
            let vertex = -q.b / (2 * q.c)
            if vertex > 0.1 && vertex < 0.9 && q.r2 - linearR2(u, ys) > 0.1 {
                let x = lo + vertex * (hi - lo)
                return .bestNear(p.distribution.toExternal(topMedian ?? (log ? exp(x) : x)))
            }
        }
        let rho = spearman(xs, ys)
        if rho >= 0.3 { return .higherIsBetter(rho: rho) }
        if rho <= -0.3 { return .lowerIsBetter(rho: rho) }
        return topMedian.map { .bestNear(p.distribution.toExternal($0)) }
    }

    /// Least squares y = a + b x + c x², and its R²; nil when the system is singular.
    static func quadraticFit(_ x: [Double], _ y: [Double]) -> (a: Double, b: Double, c: Double, r2: Double)? {
        var s = [Double](repeating: 0, count: 5), t = [Double](repeating: 0, count: 3)
        for (xi, yi) in zip(x, y) {
            var p = 1.0
            for k in 0..<5 {
                s[k] += p
                if k < 3 { t[k] += p * yi }
                p *= xi
            }
        }
        // Normal equations, solved by Cramer's rule (3 x 3).
        let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let d = det(m)
        guard abs(d) > 1e-12 else { return nil }
        func replaced(_ col: Int) -> [[Double]] { m.enumerated().map { i, row in row.enumerated().map { j, v in j == col ? t[i] : v } } }
        let a = det(replaced(0)) / d, b = det(replaced(1)) / d, c = det(replaced(2)) / d
        return (a, b, c, rSquared(y, zip(x, y).map { a + b * $0.0 + c * $0.0 * $0.0 }))
    }

    static func linearR2(_ x: [Double], _ y: [Double]) -> Double {
        guard let mx = Sample.mean(x), let my = Sample.mean(y) else { return 0 }
        var sxy = 0.0, sxx = 0.0
        for (xi, yi) in zip(x, y) {
            sxy += (xi - mx) * (yi - my)
            sxx += (xi - mx) * (xi - mx)
        }
        guard sxx > 0 else { return 0 }
        let b = sxy / sxx
        return rSquared(y, x.map { my + b * ($0 - mx) })
    }

    static func rSquared(_ y: [Double], _ fit: [Double]) -> Double {
        guard let my = Sample.mean(y) else { return 0 }
        var res = 0.0, tot = 0.0
        for (yi, fi) in zip(y, fit) {
            res += (yi - fi) * (yi - fi)
            tot += (yi - my) * (yi - my)
        }
        return tot > 0 ? 1 - res / tot : 0
    }

    /// Spearman's rank correlation (ties share their mean rank); 0 when either side is constant.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var r = [Double](repeating: 0, count: v.count)
            var i = 0
            while i < order.count {
                var j = i
                while j + 1 < order.count, v[order[j + 1]] == v[order[i]] { j += 1 }
                let mean = Double(i + j) / 2 + 1
                for k in i...j { r[order[k]] = mean }
                i = j + 1
            }
            return r
        }
        let ra = ranks(a), rb = ranks(b)
        guard let ma = Sample.mean(ra), let mb = Sample.mean(rb) else { return 0 }
        var num = 0.0, da = 0.0, db = 0.0
        for (x, y) in zip(ra, rb) {
            num += (x - ma) * (y - mb)
            da += (x - ma) * (x - ma)
            db += (y - mb) * (y - mb)
        }
        return da > 0 && db > 0 ? num / (da * db).squareRoot() : 0
    }
}

extension Study {
    /// Importance of each parameter over the complete trials (one per run, as Optuna sees them).
    public var importances: [ParamImportance] {
        guard let spec = info?.spec else { return [] }
        let scored = trials.compactMap { t -> (params: Params, score: Double)? in
            guard t.state == .complete, let s = t.score, s.isFinite else { return nil }
            return (t.launch.params, s)
        }
        return Importance.compute(space: spec.space, direction: spec.direction, trials: scored)
    }
}
