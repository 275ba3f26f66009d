/// How much of an axis a part of a layout takes (Ratatui's constraints, in the few kinds we need).
public enum Constraint: Sendable, Hashable {
    /// Exactly this many cells (less when the area is too small).
    case length(Int)
    /// At least this many cells, and a share of what is left like `fill(1)`.
    case min(Int)
    /// This percentage of the whole axis.
    case percentage(Int)
    /// A weighted share of what the other constraints leave.
    case fill(Int)
}

public enum Axis: Sendable { case horizontal, vertical }

extension Rect {
    /// Splits this rectangle along `axis`; parts are laid out in order with `spacing` cells between.
    /// When the area is too small, parts at the end shrink first.
    public func split(_ axis: Axis, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let total = axis == .horizontal ? width : height
        let gaps = max(0, constraints.count - 1) * spacing
        let available = max(0, total - gaps)
        var sizes = constraints.map { c -> Int in
            switch c {
            case .length(let n): return Swift.max(0, n)
            case .min(let n): return Swift.max(0, n)
            case .percentage(let p): return Swift.max(0, available * p / 100)
            case .fill: return 0
            }
        }
        var left = available - sizes.reduce(0, +)
        if left < 0 {
            // Too small: take the overflow from the last parts.
            for i in sizes.indices.reversed() where left < 0 {
                let cut = Swift.min(sizes[i], -left)
                sizes[i] -= cut
                left += cut
            }
        } else {
            let weights = constraints.map { c -> Int in
                switch c {
                case .fill(let w): return Swift.max(0, w)
                case .min: return 1
                default: return 0
                }
            }
            let sum = weights.reduce(0, +)
            if sum > 0 {
                var given = 0
                var lastWeighted = 0
                for i in sizes.indices where weights[i] > 0 {
                    let share = left * weights[i] / sum
                    sizes[i] += share
                    given += share
                    lastWeighted = i
                }
                sizes[lastWeighted] += left - given
            }
        }
        var out: [Rect] = []
        var pos = axis == .horizontal ? x : y
        for size in sizes {
            if axis == .horizontal {
                out.append(Rect(x: pos, y: y, width: size, height: height))
            } else {
                out.append(Rect(x: x, y: pos, width: width, height: size))
            }
            pos += size + spacing
        }
        return out
    }
}
