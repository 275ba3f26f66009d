import Foundation

/// The parameters CMA-ES searches, placed in the box it searches, [0, 1]ⁿ, as Optuna 5.1's
/// CmaEsSampler places them (`_SearchSpaceTransform` with `transform_step=True`,
/// `transform_0_1=True`): a float or int in its own scale (log space for a log parameter), a
/// stepped one widened by half a step at each end so that every grid value owns an equally wide
/// bin, then the bounds mapped linearly onto 0 and 1. Categorical parameters and parameters with
/// a single value are not searched (Optuna samples them independently).
struct CMAEncoding: Sendable {
    /// One searched parameter.
    struct Axis: Sendable {
        let name: String
        let distribution: Distribution
        /// Whether the axis is in log space.
        let log: Bool
        /// The bounds in the transformed scale (log, widened), mapped to 0 and 1.
        let low: Double
        let high: Double
        /// For a stepped parameter: its step and its number of values.
        let grid: (step: Double, count: Int)?

        /// nil for a categorical parameter or one with a single value.
        init?(_ p: Parameter) {
            name = p.name
            distribution = p.distribution
            switch p.distribution {
            case .categorical:
                return nil
            case .float(let lo, let hi, let isLog, let step):
                guard hi > lo else { return nil }
                if let step, step > 0, !isLog {
                    let count = p.distribution.cardinality ?? 1
                    guard count > 1 else { return nil }
                    log = false
                    grid = (step, count)
                    low = lo - step / 2
                    high = lo + Double(count - 1) * step + step / 2
                } else {
                    // A log float's step is ignored by the config, as by Scilab-RL's sweeper;
                    // one that still has a step is snapped to it when decoded.
                    log = isLog && lo > 0
                    grid = step.flatMap { $0 > 0 ? ($0, p.distribution.cardinality ?? 1) : nil }
                    low = log ? Foundation.log(lo) : lo
                    high = log ? Foundation.log(hi) : hi
                }
            case .int(let lo, let hi, let isLog, let step):
                let count = (hi - lo) / max(step, 1) + 1
                guard count > 1 else { return nil }
                let s = Double(max(step, 1))
                let a = Double(lo) - s / 2, b = Double(lo) + Double(count - 1) * s + s / 2
                log = isLog && a > 0
                grid = (s, count)
                low = log ? Foundation.log(a) : a
                high = log ? Foundation.log(b) : b
            }
        }

        /// Where the number `v` lies on this axis (0 at the low bound, 1 at the high one); not
        /// clamped; nil when it has no place (not finite, or not positive on a log axis).
        func position(_ v: Double) -> Double? {
            guard v.isFinite, !log || v > 0 else { return nil }
            return ((log ? Foundation.log(v) : v) - low) / (high - low)
        }

        /// The value at position `u`: rounded to the grid (ints, steps), clipped to the bounds.
        func value(at u: Double) -> ParamValue {
            let t = low + u * (high - low)
            let v = log ? Foundation.exp(t) : t
            switch distribution {
            case .int(let lo, _, _, _):
                let (step, count) = grid ?? (1, 1)
                let k = min(max(((v - Double(lo)) / step + 0.5).rounded(.down), 0), Double(count - 1))
                return .int(lo + Int(k) * Int(step))
            case .float(let lo, let hi, _, _):
                guard let (step, count) = grid else { return .float(min(max(v, lo), hi)) }
                let k = min(max(((v - lo) / step).rounded(), 0), Double(max(count - 1, 0)))
                return .float(lo + k * step)
            case .categorical:
                return distribution.toExternal(v)
            }
        }
    }

    let space: SearchSpace
    let axes: [Axis]
    /// The parameters CMA-ES does not search; each is drawn uniformly at every ask.
    let independent: [Parameter]

    init(space: SearchSpace) {
        self.space = space
        var axes: [Axis] = [], independent: [Parameter] = []
        for p in space.parameters {
            if let axis = Axis(p) { axes.append(axis) } else { independent.append(p) }
        }
        self.axes = axes
        self.independent = independent
    }

    var dimension: Int { axes.count }

    /// The searched parameters of `params` as a point; nil when one is missing or has no place
    /// on its axis (a study resumed with a changed space). A point may lie outside the box.
    func encode(_ params: Params) -> [Double]? {
        var out: [Double] = []
        out.reserveCapacity(axes.count)
        for axis in axes {
            guard let v = params[axis.name]?.number, let u = axis.position(v) else { return nil }
            out.append(u)
        }
        return out
    }

    /// The searched parameters' values at point `x`.
    func decode(_ x: [Double]) -> Params {
        var out = Params()
        for (axis, u) in zip(axes, x) { out[axis.name] = axis.value(at: u) }
        return out
    }

    /// Where CMA-ES starts: the centre of the box, or the user's `x0` (by parameter name, as
    /// written or without Hydra's `+`/`~` prefix), clipped into the box.
    func initialMean(x0: [String: Double]?) -> [Double] {
        axes.map { axis in
            guard let v = x0?[axis.name] ?? x0?[Parameter.key(of: axis.name)], let u = axis.position(v) else { return 0.5 }
            return min(max(u, 0), 1)
        }
    }
}
