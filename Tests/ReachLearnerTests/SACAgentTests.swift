import XCTest
@testable import ReachLearner

final class SACAgentTests: XCTestCase {
    private func settings(_ change: (inout AgentSettings) -> Void = { _ in }) -> AgentSettings {
        var s = AgentSettings()
        s.hiddenSize = 16
        change(&s)
        return s
    }

    /// A fixed batch from random walks on the 2-D task, relabelled by HER.
    private func batch(size: Int = 32) -> TransitionBatch {
        let env = ReachEnvironment(dimensions: 2)
        var buffer = ReplayBuffer(environment: env, capacityInSteps: 10_000, herProbability: 0.8)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<4 {
            let (start, goal) = env.reset(&rng)
            var episode = Episode(goal: goal, start: start)
            for _ in 0..<env.episodeLength {
                let action = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
                episode.positions.append(env.step(episode.positions[episode.positions.count - 1], action: action))
                episode.actions.append(action)
            }
            buffer.add(episode)
        }
        return buffer.sample(size, rng: &rng)
    }

    func testTheCriticsFitTheRewardsWhenThereIsNoBootstrap() {
        let fit = settings { $0.gamma = 0; $0.learningRate = 0.01 }
        var agent = SACAgent(observationSize: 4, actionSize: 2, settings: fit, rng: SeededRandom(seed: 1))
        let data = batch()
        var losses = [agent.train(data).criticLoss]
        for _ in 0..<500 { losses.append(agent.train(data).criticLoss) }
        XCTAssertLessThan(losses[500], losses[0] / 100, "critic loss \(losses[0]) -> \(losses[500])")
    }

    /// learning_rate, gamma, tau, critic_select and ent_coef each change what a few identical gradient steps produce.
    func testEachHyperparameterChangesTraining() {
        let data = batch()
        func trained(_ s: AgentSettings) -> [Float] {
            var agent = SACAgent(observationSize: 4, actionSize: 2, settings: s, rng: SeededRandom(seed: 3))
            for _ in 0..<5 { _ = agent.train(data) }
            return agent.actor.parameters + agent.critics[0].parameters + agent.critics[1].parameters
        }
        let base = trained(settings())
        XCTAssertEqual(base, trained(settings()), "training is deterministic")
        let variants: [(String, AgentSettings)] = [
            ("learning_rate", settings { $0.learningRate = 0.01 }),
            ("gamma", settings { $0.gamma = 0.5 }),
            ("tau", settings { $0.tau = 0.5 }),
            ("critic_select", settings { $0.criticSelect = .max }),
            ("ent_coef", settings { $0.entropyCoefficient = .fixed(0.5) }),
        ]
        for (name, variant) in variants {
            XCTAssertNotEqual(trained(variant), base, name)
        }
    }
}
