import Foundation

/// Points of a search space in the unit cube, as the GP sees them: a float or int at its
/// `Distribution.unitPosition` (log parameters in log space), a categorical parameter as its
/// choice's index.
public struct GPEncoding: Sendable {
    public let space: SearchSpace
    /// Per input: whether it is categorical (compared by equality, not distance).
    public let categorical: [Bool]
    /// Whether some point of the cube stands for no value of its own (an int, a step): then points
    /// are snapped to the values they stand for before the acquisition sees them.
    public let isDiscrete: Bool

    public init(space: SearchSpace) {
        self.space = space
        categorical = space.parameters.map { if case .categorical = $0.distribution { return true } else { return false } }
        isDiscrete = space.parameters.contains {
            switch $0.distribution {
            case .int: return true
            case .float(_, _, _, let step): return step != nil
            case .categorical: return false
            }
        }
    }

    /// nil when `params` lacks a parameter or holds a value of the wrong kind.
    public func encode(_ params: Params) -> [Double]? {
        var out: [Double] = []
        for p in space.parameters {
            guard let v = params[p.name], let x = p.distribution.toInternal(v) else { return nil }
            // A categorical input has no unit position: its internal value, the index, is the input.
            out.append(p.distribution.unitPosition(x) ?? x)
        }
        return out
    }

    /// The parameter values a point stands for: steps and integers rounded, choices by index,
    /// as every sampler snaps them (`Distribution.toExternal`).
    public func decode(_ u: [Double]) -> Params {
        var out = Params()
        for (p, x) in zip(space.parameters, u) {
            let d = p.distribution
            // A numeric input is clamped into the cube; a categorical one is its choice's index.
            out[p.name] = d.toExternal(d.value(atUnitPosition: min(max(x, 0), 1)) ?? x)
        }
        return out
    }

    /// `u` moved to the point of the value it stands for, so that the acquisition is of real values.
    func snapped(_ u: [Double]) -> [Double] {
        isDiscrete ? encode(decode(u)) ?? u : u
    }

    /// A uniform point of the cube: each numeric input in [0, 1), each categorical one a choice.
    func randomPoint(using g: inout SeededGenerator) -> [Double] {
        space.parameters.map { p in
            if case .categorical(let choices) = p.distribution { return Double(Int(g.unit() * Double(choices.count)) % choices.count) }
            return g.unit()
        }
    }

    /// The context's observations as points and values to maximise. A set's repeats enter as its
    /// runs, not as one mean, so that the noise term learns the seed noise.
    func observations(_ context: SamplingContext) -> (x: [[Double]], y: [Double]) {
        var x: [[Double]] = [], y: [Double] = []
        for o in context.runs.isEmpty ? context.completed : context.runs {
            guard o.value.isFinite, let u = encode(o.params) else { continue }
            x.append(u)
            y.append(context.direction == .maximize ? o.value : -o.value)
        }
        return (x, y)
    }
}
