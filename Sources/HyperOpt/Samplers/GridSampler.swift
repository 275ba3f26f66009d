import Foundation

/// Every combination of the parameters' values, each proposed once, in an order shuffled by the
/// seed. Sets already scored, running or excluded are passed over while fresh ones remain.
public struct GridSampler: Sampler {
    public let space: SearchSpace
    /// Values per parameter, in search-space order.
    let axes: [[ParamValue]]
    /// Number of grid points.
    public let size: Int

    /// Throws when a parameter has no finite list of values (a float without `step`), or when
    /// the grid is too large to count.
    public init(space: SearchSpace) throws {
        self.space = space
        var axes = [[ParamValue]]()
        var size = 1
        for p in space.parameters {
            // Counted before any value is made: a grid too large to enumerate is refused at once.
            let count = p.distribution.cardinality ?? 0
            let (product, overflow) = size.multipliedReportingOverflow(by: max(count, 1))
            guard !overflow, product <= GridSampler.maxPoints else {
                throw SamplerError.gridTooLarge(points: overflow ? nil : product)
            }
            let values = try GridSampler.values(of: p)
            axes.append(values)
            size = product
        }
        self.axes = axes
        self.size = size
    }

    public var name: String { "grid" }

    /// The most points a grid may have (each is a trial the study can run).
    static let maxPoints = 10_000_000

    static func values(of parameter: Parameter) throws -> [ParamValue] {
        switch parameter.distribution {
        case .float(let low, let high, let log, let step):
            guard let step, let count = parameter.distribution.cardinality else {
                throw SamplerError.gridNeedsStep(parameter: parameter.name, low: low, high: high, log: log)
            }
            return (0..<count).map { .float(low + Double($0) * step) }
        case .int(let low, let high, _, let step):
            return Array(stride(from: low, through: high, by: step)).map { .int($0) }
        case .categorical(let choices):
            return choices
        }
    }

    public func sample(_ context: SamplingContext) -> Params? {
        guard size > 0 else { return nil }
        var visited = Set<ParamKey>()
        for o in context.completed { visited.insert(ParamKey(o.params, space: space)) }
        var running = Set<ParamKey>()
        for p in context.running { running.insert(ParamKey(p, space: space)) }
        let order = GridOrder(size: size, seed: context.seed)
        // Prefer a point never tried, then one not running now, then any that is not excluded.
        // A fresh point turns up within (tried + excluded + 1) ranks, so the scan stays short.
        var notRunning: [ParamValue]?
        var any: [ParamValue]?
        for rank in 0..<size {
            let values = point(order.index(at: rank))
            let key = ParamKey(values: values)
            if context.excluded.contains(key) { continue }
            let isRunning = running.contains(key)
            if !isRunning && !visited.contains(key) { return params(values) }
            if !isRunning && notRunning == nil { notRunning = values }
            if any == nil { any = values }
        }
        return (notRunning ?? any).map(params)
    }

    /// Values of grid point `index`, in mixed radix over the axes (the last axis varies fastest).
    func point(_ index: Int) -> [ParamValue] {
        var rest = index
        var values = [ParamValue](repeating: .null, count: axes.count)
        for j in stride(from: axes.count - 1, through: 0, by: -1) {
            values[j] = axes[j][rest % axes[j].count]
            rest /= axes[j].count
        }
        return values
    }

    private func params(_ values: [ParamValue]) -> Params {
        var out = Params()
        for (p, v) in zip(space.parameters, values) { out[p.name] = v }
        return out
    }
}

extension ParamKey {
    /// A key from values already in search-space order.
    init(values: [ParamValue]) {
        self.values = values
    }
}

/// A bijection of 0..<size fixed by the seed: a small Feistel network on the next power of four,
/// walking the cycle until it lands inside the range. No table, so huge grids cost nothing.
struct GridOrder {
    let size: Int
    private let halfBits: Int
    private let keys: [UInt64]

    init(size: Int, seed: UInt64) {
        self.size = size
        var bits = 2
        while (1 << bits) < size { bits += 2 }
        halfBits = bits / 2
        var g = SeededGenerator(seed: seed ^ 0x6772_6964) // "grid"
        keys = (0..<4).map { _ in g.next() }
    }

    func index(at rank: Int) -> Int {
        var x = UInt64(rank)
        repeat { x = permute(x) } while x >= UInt64(size)
        return Int(x)
    }

    private func permute(_ x: UInt64) -> UInt64 {
        let mask = (UInt64(1) << UInt64(halfBits)) - 1
        var left = x >> UInt64(halfBits), right = x & mask
        for key in keys {
            var h = SeededGenerator(seed: right ^ key)
            let next = left ^ (h.next() & mask)
            left = right
            right = next
        }
        return (left << UInt64(halfBits)) | right
    }
}
