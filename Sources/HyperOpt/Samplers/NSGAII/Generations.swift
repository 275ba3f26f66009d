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
/// `_collect_parent_population`. Each link of that chain is kept, together with a copy of the
/// scored sets as the last ask saw them; an ask compares the sets it is given with that copy
/// (one pass, by identity of the set's values first) and redoes only the links from the oldest
/// generation whose sets changed (a newly scored set, a repeat that moved a set's mean): always
/// the answer a computation from scratch gives.
struct Generations: Sendable {
    let populationSize: Int
    /// links[h]: the parents generation h + 1 breeds from (made from generation h's scored sets
    /// and links[h - 1]), in order of trial number.
    private var links: [[Individual]] = []
    /// The scored sets as the last ask handed them: what `links` were made from.
    private var seen: [Observation] = []
    /// The directions `links` were ranked by.
    private var directions: [Direction] = []

    init(populationSize: Int) { self.populationSize = max(2, populationSize) }

    /// The generation of trial `number` (and of a set first run as that trial).
    func generation(ofTrial number: Int) -> Int { max(0, number) / populationSize }

    /// The parent population of `generation`: empty for generation 0.
    mutating func parents(of generation: Int, completed: [Observation], directions: [Direction]) -> [Observation] {
        population(of: generation, completed: completed, directions: directions).map(\.observation)
    }

    /// The parent population of `generation`, as NSGA-II compares sets: empty for generation 0.
    mutating func population(of generation: Int, completed: [Observation], directions: [Direction]) -> [Individual] {
        let newest = forgetChanged(completed, directions: directions)
        // Past the newest scored set's generation nothing changes: the parents carry over.
        let generation = min(generation, newest + 1)
        guard generation > 0 else { return [] }
        if links.count < generation {
            let first = links.count
            let members = self.members(completed, from: first, to: generation)
            for h in first..<generation {
                // Optuna's order: the generation's own sets, then the previous parents.
                let pool = members[h - first].map { Individual($0, directions: directions) } + (links.last ?? [])
                links.append(EliteSelection.select(pool, size: populationSize).sorted { $0.observation.number < $1.observation.number })
            }
        }
        return links[generation - 1]
    }

    /// Brings `seen` up to `completed` and drops the links from the oldest generation whose
    /// scored sets differ (all of them when the directions changed). Returns the newest scored
    /// set's generation (-1 when there is none).
    private mutating func forgetChanged(_ completed: [Observation], directions: [Direction]) -> Int {
        if directions != self.directions {
            links = []
            self.directions = directions
        }
        // A study appends sets and now and then moves one's mean: one pass finds what changed.
        let common = min(seen.count, completed.count)
        var changed: [Int] = [], newestNumber = -1
        for i in 0..<common {
            newestNumber = max(newestNumber, completed[i].number)
            if !Self.same(seen[i], completed[i]) { changed.append(i) }
        }
        var oldestChanged = Int.max
        for i in changed {
            oldestChanged = min(oldestChanged, generation(ofTrial: seen[i].number), generation(ofTrial: completed[i].number))
            seen[i] = completed[i]
        }
        for gone in seen[common...] { oldestChanged = min(oldestChanged, generation(ofTrial: gone.number)) }
        seen.removeSubrange(common...)
        for added in completed[common...] {
            newestNumber = max(newestNumber, added.number)
            oldestChanged = min(oldestChanged, generation(ofTrial: added.number))
            seen.append(added)
        }
        if oldestChanged < links.count { links.removeSubrange(oldestChanged...) }
        return newestNumber < 0 ? -1 : generation(ofTrial: newestNumber)
    }

    /// The scored sets of generations first..<last, one list per generation, each in the order
    /// of `completed`.
    private func members(_ completed: [Observation], from first: Int, to last: Int) -> [[Observation]] {
        var out = Array(repeating: [Observation](), count: last - first)
        for o in completed {
            let h = generation(ofTrial: o.number)
            if first <= h, h < last { out[h - first].append(o) }
        }
        return out
    }

    /// The same scored set with the same scores (NaN equal to NaN, so a NaN score does not make
    /// every ask recompute). The study hands the same `ParamSetValues` for the same set, so the
    /// values are compared only when the objects differ.
    private static func same(_ a: Observation, _ b: Observation) -> Bool {
        a.number == b.number && sameBits(a.objectives, b.objectives) && sameBits(a.constraints, b.constraints)
            && (ObjectIdentifier(a.values) == ObjectIdentifier(b.values) || a.params == b.params)
    }

    /// Equal bit for bit (both nil, or as many values, each with the same bits).
    private static func sameBits(_ a: [Double]?, _ b: [Double]?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return sameBits(a, b)
    }

    private static func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count == b.count else { return false }
        for k in a.indices where a[k].bitPattern != b[k].bitPattern { return false }
        return true
    }
}
