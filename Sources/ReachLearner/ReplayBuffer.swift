/// One finished episode: `positions` has one more entry than `actions` (the start).
public struct Episode: Sendable {
    public var goal: [Double]
    public var positions: [[Double]]
    public var actions: [[Double]]

    public init(goal: [Double], start: [Double]) {
        self.goal = goal
        positions = [start]
        actions = []
    }
}

/// Transitions ready for the networks; an observation is the position followed by the goal.
public struct TransitionBatch: Sendable {
    public let size: Int
    public var observations: [Float]
    public var actions: [Float]
    public var rewards: [Float]
    public var nextObservations: [Float]
}

/// A ring of whole episodes with hindsight experience replay ("future" strategy): a sampled transition
/// keeps its goal with probability 1 - herProbability, else takes a position the same episode reached
/// later as its goal, and its reward is recomputed for that goal.
public struct ReplayBuffer: Sendable {
    public let environment: ReachEnvironment
    public let capacity: Int
    /// Chance that a sampled transition is relabelled; 0.8 is HER's n_sampled_goal = 4.
    public let herProbability: Double
    private var episodes: [Episode] = []
    private var nextSlot = 0

    public var count: Int { episodes.count }

    public init(environment: ReachEnvironment, capacityInSteps: Int, herProbability: Double) {
        self.environment = environment
        capacity = max(1, capacityInSteps / environment.episodeLength)
        self.herProbability = herProbability
    }

    public mutating func add(_ episode: Episode) {
        precondition(episode.actions.count == environment.episodeLength, "only complete episodes are stored")
        if episodes.count < capacity {
            episodes.append(episode)
        } else {
            episodes[nextSlot] = episode
        }
        nextSlot = (nextSlot + 1) % capacity
    }

    public func sample(_ size: Int, rng: inout SeededRandom) -> TransitionBatch {
        precondition(!episodes.isEmpty, "sampling an empty replay buffer")
        let d = environment.dimensions, length = environment.episodeLength
        var batch = TransitionBatch(size: size, observations: [], actions: [], rewards: [], nextObservations: [])
        batch.observations.reserveCapacity(size * 2 * d)
        batch.nextObservations.reserveCapacity(size * 2 * d)
        batch.actions.reserveCapacity(size * d)
        batch.rewards.reserveCapacity(size)
        for _ in 0..<size {
            let episode = episodes[rng.index(below: episodes.count)]
            let t = rng.index(below: length)
            var goal = episode.goal
            if herProbability > 0 && rng.unit() < herProbability {
                // A position reached after this step: index t+1 ... length.
                goal = episode.positions[t + 1 + rng.index(below: length - t)]
            }
            let position = episode.positions[t], next = episode.positions[t + 1]
            for x in position { batch.observations.append(Float(x)) }
            for x in goal { batch.observations.append(Float(x)) }
            for x in episode.actions[t] { batch.actions.append(Float(x)) }
            for x in next { batch.nextObservations.append(Float(x)) }
            for x in goal { batch.nextObservations.append(Float(x)) }
            batch.rewards.append(Float(environment.reward(achieved: next, goal: goal)))
        }
        return batch
    }
}
