import Foundation
import HyperOpt
import Synchronization

/// What the writer remembers between batches so a metric row costs a few inserts and no lookups.
/// Rebuilt from the file on first use, dropped when a transaction fails (it may hold rolled-back ids).
struct StudyWriteCache: Sendable {
    var spec: StudySpec?
    var distributions: [String: (distribution: Distribution, json: String)] = [:]
    var trialIDs: [Int: Int64] = [:]
    /// Metric rows recorded so far per trial id: the next row's index (and its step when it has none).
    var rowCounts: [Int64: Int] = [:]
    var keyIDs: [String: UInt32] = [:]
    var hasEvents = false
    /// The id the next event gets; read from the file at the start of each transaction.
    var nextEventID: Int64 = 1

    mutating func adopt(_ spec: StudySpec) {
        self.spec = spec
        distributions = [:]
        for p in spec.space.parameters {
            distributions[p.name] = (p.distribution, DistributionJSON.encode(p.distribution))
        }
    }
}

/// Guarded by a lock although only used inside `DatabasePool.write`, which already serialises:
/// the lock is uncontended and makes the Sendable claim true rather than assumed.
final class WriteState: Sendable {
    private let studies = Mutex<[Int: StudyWriteCache]>([:])

    func with<T: Sendable>(_ studyID: Int, load: () throws -> StudyWriteCache, _ body: (inout StudyWriteCache) throws -> T) throws -> T {
        try studies.withLock { studies in
            var cache = try studies[studyID] ?? load()
            do {
                let result = try body(&cache)
                studies[studyID] = cache
                return result
            } catch {
                studies[studyID] = nil
                throw error
            }
        }
    }

    func forget(_ studyID: Int) {
        studies.withLock { $0[studyID] = nil }
    }
}
