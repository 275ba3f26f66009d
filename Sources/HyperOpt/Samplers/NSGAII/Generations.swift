import Foundation

/// NSGA-II's generations, and the parents each one breeds from.
///
/// Optuna records each trial's generation as a trial attribute when the trial starts: the
/// generation of the newest completed trials, plus one once `population_size` of them are
/// complete. hypertop keeps no per-trial attributes, so the generation comes from trial numbers:
/// trial n belongs to generation n / populationSize, and so does a scored set whose first run
/// was trial n. In a sequential study without failures both ways give the same generations (and
/// Optuna, too, launches a generation's trials by counting them); with several trials at once
/// or failed trials, a generation here may hold fewer than populationSize scored sets, and a
/// child may be asked for while sets of the previous generation are still running (its parents
/// are then chosen from the sets scored so far).
///
/// The parents of generation g are those of g - 1 and the scored sets of generation g - 1 put
/// together, reduced by `EliteSelection` to populationSize (generation 0 has none), as Optuna's
/// `_collect_parent_population`. Each link of that chain is kept with the scored sets it was
/// made from, and reused while they are unchanged, so an ask redoes only the generations whose
/// sets changed (a newly scored set, a repeat that moved a set's mean): always the answer a
/// computation from scratch gives.
struct Generations: Sendable {
    let populationSize: Int
    /// links[h]: generation h's scored sets and the parents they gave generation h + 1.
    private var links: [Link] = []

    private struct Link: Sendable {
        let directions: [Direction]
        let members: [Observation]
        let parents: [Observation]
    }

    init(populationSize: Int) { self.populationSize = max(2, populationSize) }

    /// The generation of trial `number` (and of a set first run as that trial).
    func generation(ofTrial number: Int) -> Int { max(0, number) / populationSize }

    /// The scored sets of each generation before `generation`, each in the order of `completed`.
    func members(_ completed: [Observation], before generation: Int) -> [[Observation]] {
        var out = Array(repeating: [Observation](), count: max(0, generation))
        for o in completed {
            let h = self.generation(ofTrial: o.number)
            if h < generation { out[h].append(o) }
        }
        return out
    }

    /// The parent population of `generation`: empty for generation 0.
    mutating func parents(of generation: Int, completed: [Observation], directions: [Direction]) -> [Observation] {
        // Past the newest scored set's generation nothing changes: the parents carry over.
        let newest = completed.map { self.generation(ofTrial: $0.number) }.max() ?? -1
        let generation = min(generation, newest + 1)
        guard generation > 0 else { return [] }
        let byGeneration = members(completed, before: generation)
        var parents: [Observation] = []
        for h in 0..<generation {
            if h < links.count, links[h].directions == directions, Self.same(links[h].members, byGeneration[h]) {
                parents = links[h].parents
                continue
            }
            if h < links.count { links.removeSubrange(h...) }
            // Optuna's order: the generation's own sets, then the previous parents.
            let pool = (byGeneration[h] + parents).map { Individual($0, directions: directions) }
            parents = EliteSelection.select(pool, size: populationSize).map(\.observation).sorted { $0.number < $1.number }
            links.append(Link(directions: directions, members: byGeneration[h], parents: parents))
        }
        return parents
    }

    /// The same scored sets with the same scores (NaN equal to NaN, so a NaN score does not
    /// make every ask recompute).
    private static func same(_ a: [Observation], _ b: [Observation]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.number == y.number, x.values == y.values,
                  bits(x.objectives) == bits(y.objectives), x.constraints.map(bits) == y.constraints.map(bits) else { return false }
        }
        return true
    }

    private static func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }
}
