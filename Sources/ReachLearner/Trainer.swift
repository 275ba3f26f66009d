/// How a run ended.
public struct TrainingResult: Sendable {
    public var history: [MetricRecord]
    public var stoppedEarly: Bool
    public var totalTimesteps: Int
}

/// The training loop, SB3's off-policy shape: collect one step, take one gradient step, and every
/// `eval_after_n_steps` steps evaluate the deterministic policy, log, and check the early stop.
public struct Trainer {
    public let config: TrainingConfig
    public let seed: UInt64

    /// Probability that HER relabels a sampled transition: its n_sampled_goal = 4.
    static let herProbability = 0.8

    public init(config: TrainingConfig, seed: UInt64) {
        self.config = config
        self.seed = seed
    }

    public func run(log: (MetricRecord) throws(TrainerError) -> Void) throws(TrainerError) -> TrainingResult {
        let env = config.environment, d = env.dimensions
        // Separate streams, so that e.g. evaluating more episodes does not change what training sees.
        var envRng = SeededRandom(seed: seed, stream: 1)
        var evalRng = SeededRandom(seed: seed, stream: 2)
        var bufferRng = SeededRandom(seed: seed, stream: 3)
        var explorationRng = SeededRandom(seed: seed, stream: 5)
        var agent = SACAgent(observationSize: 2 * d, actionSize: d, settings: config.agent,
                             rng: SeededRandom(seed: seed, stream: 4))
        var buffer = ReplayBuffer(environment: env, capacityInSteps: config.bufferSize,
                                  herProbability: config.useHER ? Self.herProbability : 0)

        var step = 0, episodes = 0, updates = 0
        var window = EpochStatistics()
        var history: [MetricRecord] = []
        var watched: [Double] = []

        while step < config.totalTimesteps {
            var (position, goal) = env.reset(&envRng)
            var episode = Episode(goal: goal, start: position)
            var episodeReturn = 0.0
            for t in 0..<env.episodeLength {
                let action = step < config.learningStarts
                    ? (0..<d).map { _ in explorationRng.uniform(-1, 1) }
                    : agent.act(observation(position, goal), deterministic: false)
                position = env.step(position, action: action)
                episodeReturn += env.reward(achieved: position, goal: goal)
                episode.positions.append(position)
                episode.actions.append(action)
                step += 1
                if t == env.episodeLength - 1 {
                    buffer.add(episode)
                    episodes += 1
                    window.addEpisode(return: episodeReturn, success: env.isSuccess(achieved: position, goal: goal))
                }
                if step >= config.learningStarts && buffer.count > 0 {
                    window.addUpdate(agent.train(buffer.sample(config.agent.batchSize, rng: &bufferRng)))
                    updates += 1
                }
                guard step % config.evalAfterNSteps == 0 else { continue }

                let evaluation = evaluate(&agent, rng: &evalRng)
                var values = window.metrics
                values["eval/mean_reward"] = .float(evaluation.meanReward)
                values["eval/success_rate"] = .float(evaluation.successRate)
                values["time/episodes"] = .int(episodes)
                values["time/total_timesteps"] = .int(step)
                values["train/ent_coef"] = .float(agent.entropyCoefficient)
                values["train/learning_rate"] = .float(config.agent.learningRate)
                values["train/n_updates"] = .int(updates)
                // The networks' size (actor and critics' weights and biases): a cost to trade against success.
                values["model/parameters"] = .int(agent.actor.parameters.count + agent.critics.reduce(0) { $0 + $1.parameters.count })
                let record = MetricRecord(values)
                try log(record)
                history.append(record)
                window = EpochStatistics()
                watched.append(record[config.earlyStopDataColumn]?.double ?? .nan)
                if shouldStopEarly(watched) {
                    return TrainingResult(history: history, stoppedEarly: true, totalTimesteps: step)
                }
                if step >= config.totalTimesteps { break }
            }
        }
        return TrainingResult(history: history, stoppedEarly: false, totalTimesteps: step)
    }

    /// True once the mean of the last `early_stop_last_n` watched values reaches the threshold.
    func shouldStopEarly(_ watched: [Double]) -> Bool {
        guard watched.count >= config.earlyStopLastN else { return false }
        let last = watched.suffix(config.earlyStopLastN)
        return last.reduce(0, +) / Double(last.count) >= config.earlyStopThreshold
    }

    /// `n_test_rollouts` episodes of the deterministic policy on their own goals.
    func evaluate(_ agent: inout SACAgent, rng: inout SeededRandom) -> (successRate: Double, meanReward: Double) {
        let env = config.environment
        var successes = 0, total = 0.0
        for _ in 0..<config.nTestRollouts {
            var (position, goal) = env.reset(&rng)
            for _ in 0..<env.episodeLength {
                position = env.step(position, action: agent.act(observation(position, goal), deterministic: true))
                total += env.reward(achieved: position, goal: goal)
            }
            if env.isSuccess(achieved: position, goal: goal) { successes += 1 }
        }
        let n = Double(config.nTestRollouts)
        return (Double(successes) / n, total / n)
    }
}

func observation(_ position: [Double], _ goal: [Double]) -> [Float] {
    position.map(Float.init) + goal.map(Float.init)
}

/// Training statistics since the last evaluation. Missing ones are NaN, as a column with no data.
struct EpochStatistics {
    private var returns = 0.0, successes = 0, episodes = 0
    private var criticLoss = 0.0, actorLoss = 0.0, updates = 0

    mutating func addEpisode(return value: Double, success: Bool) {
        returns += value
        episodes += 1
        if success { successes += 1 }
    }

    mutating func addUpdate(_ step: TrainingStep) {
        criticLoss += step.criticLoss
        actorLoss += step.actorLoss
        updates += 1
    }

    var metrics: [String: MetricValue] {
        let e = Double(episodes), u = Double(updates)
        return [
            "train/rollout_rewards_mean": .float(episodes > 0 ? returns / e : .nan),
            "train/rollout_success_rate": .float(episodes > 0 ? Double(successes) / e : .nan),
            "train/critic_loss": .float(updates > 0 ? criticLoss / u : .nan),
            "train/actor_loss": .float(updates > 0 ? actorLoss / u : .nan),
        ]
    }
}
