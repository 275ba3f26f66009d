/// A goal-conditioned reaching task in the spirit of FetchReach: a point in the box [-1, 1]^d moves
/// by bounded steps toward a goal drawn each episode. The reward is sparse (0 within tolerance of
/// the goal, else -1) or dense (minus the distance); an episode has a fixed number of steps and
/// succeeds when the point is within tolerance at its end.
public struct ReachEnvironment: Sendable, Equatable {
    public enum Reward: String, Sendable { case sparse, dense }

    public let dimensions: Int
    public let reward: Reward
    /// Largest move along each axis in one step (the action is scaled by it).
    public let maxStep: Double
    public let tolerance: Double
    public let episodeLength: Int

    public init(dimensions: Int = 3, reward: Reward = .sparse, maxStep: Double = 0.05, tolerance: Double = 0.05,
                episodeLength: Int = 50) {
        self.dimensions = dimensions
        self.reward = reward
        self.maxStep = maxStep
        self.tolerance = tolerance
        self.episodeLength = episodeLength
    }

    /// Names accepted as `env=...`, in the Fetch naming style (`Dense` selects the dense reward).
    public static let catalog: [(name: String, environment: ReachEnvironment)] = [
        ("Reach2D-v0", ReachEnvironment(dimensions: 2)),
        ("Reach2DDense-v0", ReachEnvironment(dimensions: 2, reward: .dense)),
        ("Reach3D-v0", ReachEnvironment(dimensions: 3)),
        ("Reach3DDense-v0", ReachEnvironment(dimensions: 3, reward: .dense)),
    ]

    public static func named(_ name: String) -> ReachEnvironment? {
        catalog.first { $0.name == name }?.environment
    }

    /// Start position and goal, both uniform in the box.
    public func reset(_ rng: inout SeededRandom) -> (position: [Double], goal: [Double]) {
        let position = (0..<dimensions).map { _ in rng.uniform(-1, 1) }
        let goal = (0..<dimensions).map { _ in rng.uniform(-1, 1) }
        return (position, goal)
    }

    /// The position after one step. Each action component is clipped to [-1, 1] and the result to
    /// the box; a non-finite component counts as 0 so that a diverged policy cannot poison the state.
    public func step(_ position: [Double], action: [Double]) -> [Double] {
        (0..<dimensions).map { i in
            let a = action[i].isFinite ? min(max(action[i], -1), 1) : 0
            return min(max(position[i] + maxStep * a, -1), 1)
        }
    }

    public func distance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<dimensions {
            let d = a[i] - b[i]
            sum += d * d
        }
        return sum.squareRoot()
    }

    public func isSuccess(achieved: [Double], goal: [Double]) -> Bool {
        distance(achieved, goal) <= tolerance
    }

    /// Reward of reaching `achieved` when aiming at `goal`; a pure function so that hindsight replay can
    /// recompute it for substituted goals.
    public func reward(achieved: [Double], goal: [Double]) -> Double {
        switch reward {
        case .sparse: return isSuccess(achieved: achieved, goal: goal) ? 0 : -1
        case .dense: return -distance(achieved, goal)
        }
    }
}
