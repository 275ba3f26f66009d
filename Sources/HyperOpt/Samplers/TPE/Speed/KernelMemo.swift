import Foundation

/// What one TPE sampler remembers between asks about its above-side kernels, purely to save work.
///
/// - The above side's whole kernel set (`IncrementalAbove`): from one ask to the next, a study
///   usually gains one above-side observation, which changes the widths of its neighbours only.
///   The set is then edited in place rather than built again.
/// - Otherwise, per observation row and numeric dim, the kernel's centre and width and the
///   constants derived from them (1 / width and the truncated mass, which costs erfc calls).
///
/// It never changes a result: a kernel's constants are reused only when centre, width and
/// domain bounds are exactly the ones they were computed from, and they are a pure function of
/// those; an edited set holds exactly what a new build would (`IncrementalAboveTests`). The
/// sampler owns it (`TPECache`): no two asks share it.
struct KernelMemo: Sendable {
    private var constants: KernelConstants? = KernelConstants()
    private var spliced: IncrementalAbove?

    /// Storage of earlier estimators, handed to the next ones.
    private var spareKernels = KernelSet.Buffers()
    private var spareWeighting = ParzenEstimator.Buffers()

    init() {}

    /// The above side's estimator: the remembered kernel set edited to `table`'s observations
    /// when that is possible, a new build otherwise.
    /// - Parameters:
    ///   - completedRows: rows of `table` from here on are running sets.
    ///   - generation: the history's, when its rows can be trusted from one ask to the next.
    ///   - sorted: per dim, the observations sorted by value (for a new build).
    mutating func above(domains: [ParameterDomain], table: ObservationTable, completedRows: Int, weights: [Double],
                 options: ParzenEstimator.Options, generation: Int?, sorted: () -> [[Int]?]) -> ParzenEstimator {
        // Only a multivariate set is kept: independent TPE builds one estimator per parameter.
        let keep = generation != nil && table.columns == Array(0..<table.stride)
        // Taken out while in use: held once only, editing it does not copy its arrays.
        var previous = spliced.take()
        if keep, let generation, var state = previous.take() {
            if state.splice(to: table, completedRows: completedRows, domains: domains, options: options,
                            generation: generation) {
                spliced = state
                return ParzenEstimator(kernels: state.kernels, weights: weights, options: options, spare: &spareWeighting)
            }
            previous = state
        }
        if let old = previous.take() { spareKernels.keep(old.kernels) }
        let kernels = KernelSet(domains: domains, table: table, options: options, sorted: sorted(),
                                constants: &constants, spare: &spareKernels, headroom: keep ? 64 : 0)
        guard keep, let generation else {
            // Its storage serves the next build, once the estimator is gone.
            spareKernels.keep(kernels)
            return ParzenEstimator(kernels: kernels, weights: weights, options: options, spare: &spareWeighting)
        }
        let state = IncrementalAbove(kernels: kernels, table: table, completedRows: completedRows, options: options,
                                   generation: generation)
        spliced = state
        return ParzenEstimator(kernels: state.kernels, weights: weights, options: options, spare: &spareWeighting)
    }

    /// Keeps `estimator`'s weighting storage for the next ask: reused in place once it is gone.
    mutating func recycle(_ estimator: ParzenEstimator) { spareWeighting = estimator.buffers }
}

/// Per observation row and numeric dim: a kernel's centre and width and the constants derived
/// from them, kept from one build of the above side's kernels to the next.
struct KernelConstants: Sendable {
    private(set) var columns: [Column] = []

    struct Column: Sendable {
        var low = Double.nan, high = Double.nan
        var center: [Double] = []
        var width: [Double] = []
        /// Continuous dims: 1 / width and 1 / (width × mass). Stepped dims: log mass and log width.
        var first: [Double] = []
        var second: [Double] = []
    }

    /// The column for dim `j`, emptied when its domain bounds changed; sized for `rows` rows.
    mutating func column(_ j: Int, low: Double, high: Double, rows: Int) -> Column {
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

    mutating func store(_ c: Column, at j: Int) { columns[j] = c }
}
