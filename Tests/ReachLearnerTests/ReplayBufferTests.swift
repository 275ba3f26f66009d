import XCTest
@testable import ReachLearner

final class ReplayBufferTests: XCTestCase {
    let env = ReachEnvironment(dimensions: 2, maxStep: 0.25, tolerance: 0.01, episodeLength: 4)

    /// A straight walk along x from -0.5 with its goal far away at (0.9, 0.9).
    func walk(startY: Double = 0) -> Episode {
        var episode = Episode(goal: [0.9, 0.9], start: [-0.5, startY])
        for _ in 0..<env.episodeLength {
            let next = env.step(episode.positions[episode.positions.count - 1], action: [1, 0])
            episode.positions.append(next)
            episode.actions.append([1, 0])
        }
        return episode
    }

    func testWithoutHindsightGoalsAndRewardsAreTheEpisodes() {
        var buffer = ReplayBuffer(environment: env, capacityInSteps: 100, herProbability: 0)
        buffer.add(walk())
        var rng = SeededRandom(seed: 1)
        let batch = buffer.sample(64, rng: &rng)
        for b in 0..<64 {
            XCTAssertEqual(Array(batch.observations[(b * 4 + 2)..<(b * 4 + 4)]), [0.9, 0.9])
            XCTAssertEqual(Array(batch.nextObservations[(b * 4 + 2)..<(b * 4 + 4)]), [0.9, 0.9])
            XCTAssertEqual(batch.rewards[b], -1)
            XCTAssertEqual(batch.nextObservations[b * 4] - batch.observations[b * 4], 0.25, accuracy: 1e-6)
            XCTAssertEqual(Array(batch.actions[(b * 2)..<(b * 2 + 2)]), [1, 0])
        }
    }

    func testHindsightGoalsArePositionsReachedLaterWithRecomputedRewards() {
        var buffer = ReplayBuffer(environment: env, capacityInSteps: 100, herProbability: 1)
        buffer.add(walk())
        var rng = SeededRandom(seed: 2)
        let batch = buffer.sample(200, rng: &rng)
        var sawReward0 = false, sawRewardMinus1 = false
        for b in 0..<200 {
            let x = batch.observations[b * 4], nextX = batch.nextObservations[b * 4]
            let goalX = batch.observations[b * 4 + 2], goalY = batch.observations[b * 4 + 3]
            XCTAssertEqual(goalY, 0, "the goal is a position of this walk")
            XCTAssertGreaterThanOrEqual(goalX, nextX - 1e-6, "the goal was reached after this step")
            XCTAssertLessThanOrEqual(goalX, 0.5 + 1e-6)
            XCTAssertGreaterThan(goalX, x)
            XCTAssertEqual(batch.rewards[b], abs(goalX - nextX) < 1e-6 ? 0 : -1)
            if batch.rewards[b] == 0 { sawReward0 = true } else { sawRewardMinus1 = true }
        }
        XCTAssertTrue(sawReward0 && sawRewardMinus1)
    }

    func testTheRingKeepsTheNewestEpisodes() {
        var buffer = ReplayBuffer(environment: env, capacityInSteps: 8, herProbability: 0)
        for y in [0.1, 0.2, 0.3] { buffer.add(walk(startY: y)) }
        XCTAssertEqual(buffer.count, 2)
        var rng = SeededRandom(seed: 3)
        let batch = buffer.sample(100, rng: &rng)
        let ys = Set((0..<100).map { batch.observations[$0 * 4 + 1] })
        XCTAssertEqual(ys, Set([0.2, 0.3].map { Float($0) }))
    }
}
