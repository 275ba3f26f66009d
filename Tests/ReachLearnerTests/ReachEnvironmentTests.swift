import XCTest
@testable import ReachLearner

final class ReachEnvironmentTests: XCTestCase {
    let env = ReachEnvironment(dimensions: 2, maxStep: 0.25, tolerance: 0.625, episodeLength: 8)

    func testActionsAreClippedToOneStepPerAxis() {
        XCTAssertEqual(env.step([0, 0], action: [5, -7]), [0.25, -0.25])
        XCTAssertEqual(env.step([0, 0], action: [1, -1]), [0.25, -0.25])
        XCTAssertEqual(env.step([0, 0], action: [0.5, -0.5]), [0.125, -0.125])
    }

    func testPositionStaysInsideTheBox() {
        XCTAssertEqual(env.step([1, -1], action: [1, -1]), [1, -1], "pushing into a wall does not move through it")
        XCTAssertEqual(env.step([0.875, -0.875], action: [1, -1]), [1, -1], "a step past the wall ends on it")
        XCTAssertEqual(env.step([1, -1], action: [-1, 1]), [0.75, -0.75], "moving away from a wall is free")
    }

    func testNonFiniteActionsDoNotMove() {
        XCTAssertEqual(env.step([0.5, 0.5], action: [.nan, .infinity]), [0.5, 0.5])
    }

    func testSparseRewardIsZeroUpToAndIncludingTheTolerance() {
        // 0.375^2 + 0.5^2 = 0.625^2 exactly in binary floating point.
        XCTAssertEqual(env.distance([0, 0], [0.375, 0.5]), 0.625)
        XCTAssertEqual(env.reward(achieved: [0, 0], goal: [0.375, 0.5]), 0)
        XCTAssertTrue(env.isSuccess(achieved: [0, 0], goal: [0.375, 0.5]))
        XCTAssertEqual(env.reward(achieved: [0, 0], goal: [0.375, 0.5.nextUp]), -1)
        XCTAssertFalse(env.isSuccess(achieved: [0, 0], goal: [0.375, 0.5.nextUp]))
        XCTAssertEqual(env.reward(achieved: [0.2, 0.2], goal: [0.2, 0.2]), 0)
    }

    func testDenseRewardIsMinusTheDistance() {
        let dense = ReachEnvironment(dimensions: 2, reward: .dense, maxStep: 0.25, tolerance: 0.625, episodeLength: 8)
        XCTAssertEqual(dense.reward(achieved: [0, 0], goal: [0.375, 0.5]), -0.625)
        XCTAssertEqual(dense.reward(achieved: [0.5, 0.5], goal: [0.5, 0.5]), 0)
    }

    func testResetDrawsStartAndGoalInsideTheBoxReproducibly() {
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        for _ in 0..<200 {
            let (position, goal) = env.reset(&a)
            XCTAssertTrue((position + goal).allSatisfy { (-1...1).contains($0) })
            let again = env.reset(&b)
            XCTAssertEqual(again.position, position)
            XCTAssertEqual(again.goal, goal)
        }
    }

    func testNamedEnvironmentsMatchTheirDescription() {
        XCTAssertEqual(ReachEnvironment.named("Reach2D-v0")?.dimensions, 2)
        XCTAssertEqual(ReachEnvironment.named("Reach3D-v0")?.dimensions, 3)
        XCTAssertEqual(ReachEnvironment.named("Reach3DDense-v0")?.reward, .dense)
        XCTAssertEqual(ReachEnvironment.named("Reach3D-v0")?.reward, .sparse)
        XCTAssertNil(ReachEnvironment.named("FetchReach-v2"))
    }

    func testARandomPolicyRarelySucceeds() {
        let reach = ReachEnvironment.named("Reach2D-v0") ?? ReachEnvironment()
        XCTAssertLessThan(randomPolicySuccessRate(reach, episodes: 400, seed: 1), 0.05)
    }
}

/// Success rate of uniformly random actions: the floor a learner must clear.
func randomPolicySuccessRate(_ env: ReachEnvironment, episodes: Int, seed: UInt64) -> Double {
    var rng = SeededRandom(seed: seed)
    var successes = 0
    for _ in 0..<episodes {
        var (position, goal) = env.reset(&rng)
        for _ in 0..<env.episodeLength {
            position = env.step(position, action: (0..<env.dimensions).map { _ in rng.uniform(-1, 1) })
        }
        if env.isSuccess(achieved: position, goal: goal) { successes += 1 }
    }
    return Double(successes) / Double(episodes)
}
