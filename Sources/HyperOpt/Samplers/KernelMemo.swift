import Foundation

/// What one TPE sampler remembers between asks about its bad-side kernels, purely to save work:
/// per observation row and numeric dim, the kernel's centre and width and the constants derived
/// from them (1 / width and the truncated mass, which costs erfc calls). Most kernels keep their
/// centre and width from one ask to the next, so most of these are reused.
///
/// It never changes a result: an entry is reused only when centre, width and domain bounds are
/// exactly the ones it was computed from, and the constants are a pure function of those.
final class KernelMemo: @unchecked Sendable {
    /// Guards everything below; an ask that finds it taken works without the memo.
    let lock = NSLock()
    private(set) var columns: [Column] = []

    struct Column {
        var low = Double.nan, high = Double.nan
        var center: [Double] = []
        var width: [Double] = []
        /// Continuous dims: 1 / width and 1 / (width × mass). Stepped dims: log mass and log width.
        var first: [Double] = []
        var second: [Double] = []
    }

    /// The previous bad-side estimator's storage, handed to the next one.
    private var spare = ParzenEstimator.Buffers()

    init() {}

    func takeSpare() -> ParzenEstimator.Buffers {
        var taken = ParzenEstimator.Buffers()
        swap(&taken, &spare)
        return taken
    }

    /// Keeps `estimator`'s storage for the next ask: reused in place once the estimator is gone.
    func recycle(_ estimator: ParzenEstimator) { spare = estimator.buffers }

    /// The column for dim `j`, emptied when its domain bounds changed; sized for `rows` rows.
    func column(_ j: Int, low: Double, high: Double, rows: Int) -> Column {
        while columns.count <= j { columns.append(Column()) }
        var c = columns[j]
        columns[j] = Column() // so that the caller's writes do not copy the arrays
        if c.low != low || c.high != high {
            c = Column(low: low, high: high)
        }
        if c.center.count < rows {
            let more = rows - c.center.count
            c.center.append(contentsOf: repeatElement(.nan, count: more))
            c.width.append(contentsOf: repeatElement(.nan, count: more))
            c.first.append(contentsOf: repeatElement(0, count: more))
            c.second.append(contentsOf: repeatElement(0, count: more))
        }
        return c
    }

    func store(_ c: Column, at j: Int) { columns[j] = c }
}
