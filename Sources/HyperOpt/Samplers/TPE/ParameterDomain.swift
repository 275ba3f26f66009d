import Foundation

/// A parameter as TPE models it: numbers in the space its kernels live in (log space for log
/// parameters), stepped parameters widened by half a step on each side so every grid point owns
/// an equal-width bin, and categoricals as choice indices.
struct ParameterDomain: Sendable {
    enum Kind: Sendable {
        /// Kernels are truncated normals on [low, high] (transformed bounds).
        case continuous
        /// Kernels are truncated normals discretised onto the grid `externalLow + k * step`.
        case discrete(step: Double)
        case categorical(count: Int)
    }

    let distribution: Distribution
    let kind: Kind
    let isLog: Bool
    /// Bounds in the transformed space (log for log parameters, widened for stepped ones).
    let low: Double
    let high: Double

    init(_ distribution: Distribution) {
        self.distribution = distribution
        switch distribution {
        case .float(let lo, let hi, let log, let step):
            isLog = log
            if let step {
                kind = .discrete(step: step)
                let top = lo + Double((distribution.cardinality ?? 1) - 1) * step
                (low, high) = ParameterDomain.transformed(lo - step / 2, top + step / 2, log: log)
            } else {
                kind = .continuous
                (low, high) = ParameterDomain.transformed(lo, hi, log: log)
            }
        case .int(let lo, let hi, let log, let step):
            isLog = log
            let s = Double(step)
            // The highest reachable value, so the last bin is not wider than the others.
            let top = Double(hi - (hi - lo) % step)
            kind = .discrete(step: s)
            (low, high) = ParameterDomain.transformed(Double(lo) - s / 2, top + s / 2, log: log)
        case .categorical(let choices):
            isLog = false
            kind = .categorical(count: choices.count)
            (low, high) = (0, Double(max(choices.count - 1, 0)))
        }
    }

    private static func transformed(_ a: Double, _ b: Double, log: Bool) -> (Double, Double) {
        log ? (Foundation.log(a), Foundation.log(b)) : (a, b)
    }

    var isCategorical: Bool {
        if case .categorical = kind { return true }
        return false
    }

    /// The value kernels work with, or nil when `value` is not one of this parameter's values
    /// (a study resumed with a changed search space).
    func internalValue(_ value: ParamValue) -> Double? {
        switch kind {
        case .categorical:
            return distribution.toInternal(value)
        case .continuous, .discrete:
            guard let x = value.number, x.isFinite else { return nil }
            if isLog { return x > 0 ? Foundation.log(x) : nil }
            return x
        }
    }

    /// Snaps a transformed draw onto the parameter's values.
    func external(_ y: Double) -> ParamValue {
        switch kind {
        case .categorical:
            return distribution.toExternal(y)
        case .continuous:
            return distribution.toExternal(isLog ? exp(y) : y)
        case .discrete(let step):
            let x = isLog ? exp(y) : y
            guard case .float(let lo, _, _, _) = distribution else { return distribution.toExternal(x) }
            // Clamp the grid index, not the value: a `high` off the grid is not a valid value.
            let top = Double((distribution.cardinality ?? 1) - 1)
            let k = min(max(((x - lo) / step).rounded(), 0), top)
            return .float(lo + k * step)
        }
    }
}
