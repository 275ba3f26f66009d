import Foundation

/// The CMA-ES state a study's history leads to. hypertop keeps no per-trial sampler state (Optuna
/// keeps the pickled optimizer and each trial's generation in trial attributes), so the state is
/// rebuilt from the context alone: the scored sets, oldest first by trial number, less the first
/// `nStartupTrials` (random ones), taken in order in groups of `popsize`; each full group is told
/// as one generation. A sampler keeps the last replay and, while the history it told is still the
/// start of the context's, only tells the generations that came since: the same state a fresh
/// replay reaches, as `tell` is deterministic.
struct CMAReplay: Sendable {
    /// What the state was built for; another space or direction starts a fresh replay.
    let space: SearchSpace
    let direction: Direction
    /// The observations told so far, in the order told (whole generations).
    private(set) var told: [Observation] = []
    var state: CMAState

    /// The distribution before any generation: at the box's centre (or `x0`), σ = `sigma0`
    /// (default 1/6: the smallest range, 1 in the box, over 6, as Optuna).
    init(encoding: CMAEncoding, options: CMAESOptions, direction: Direction) {
        let n = encoding.dimension
        let popsize = options.popsize ?? CMAStrategy.defaultPopsize(dimension: n)
        // Optuna ignores the separable option in one dimension, where it changes nothing useful.
        let strategy = options.useSeparableCMA && n > 1
            ? CMAStrategy.separable(dimension: n, popsize: popsize)
            : CMAStrategy.full(dimension: n, popsize: popsize)
        let sigma = options.sigma0.flatMap { $0.isFinite ? max($0, 1e-10) : nil } ?? 1.0 / 6
        space = encoding.space
        self.direction = direction
        state = CMAState(strategy: strategy, mean: encoding.initialMean(x0: options.x0), sigma: sigma)
    }

    /// The sets told as solutions, in the order told: the scored sets oldest first by trial
    /// number, those with a value (a NaN is a failed trial to Optuna), less the first `startup`
    /// (the random start), less any whose values have no place in the box (a study resumed with
    /// a changed space). nil while the random start is not over.
    static func solutions(_ context: SamplingContext, encoding: CMAEncoding, startup: Int) -> [Observation]? {
        let scored = context.completed.enumerated()
            .filter { !$0.element.value.isNaN }
            .sorted { ($0.element.number, $0.offset) < ($1.element.number, $1.offset) }
        guard scored.count >= max(startup, 0) else { return nil }
        return scored.dropFirst(max(startup, 0)).map(\.element).filter { encoding.encode($0.params) != nil }
    }

    /// Whether this replay may go on to `solutions`: same space and direction, and what it told
    /// is how `solutions` begins.
    func continues(to solutions: [Observation], space: SearchSpace, direction: Direction) -> Bool {
        self.space == space && self.direction == direction && solutions.count >= told.count
            && zip(told, solutions).allSatisfy { $0 == $1 }
    }

    /// Tells every full generation of `solutions` not told yet (`solutions` begins with `told`);
    /// a value is a loss when minimising and its negation when maximising.
    mutating func advance(to solutions: [Observation], encoding: CMAEncoding) {
        let popsize = state.strategy.popsize
        while solutions.count - told.count >= popsize {
            let generation = solutions[told.count..<(told.count + popsize)]
            // Every solution encodes (`solutions` keeps only those that do).
            let scored = generation.compactMap { o in
                encoding.encode(o.params).map { (x: $0, loss: direction == .maximize ? -o.value : o.value) }
            }
            if scored.count == popsize { state.tell(scored) }
            told.append(contentsOf: generation)
        }
    }
}
