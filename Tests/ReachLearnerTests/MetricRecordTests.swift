import XCTest
@testable import ReachLearner

final class MetricRecordTests: XCTestCase {
    let record = MetricRecord([
        "time/total_timesteps": .int(2000),
        "eval/success_rate": .float(0.4),
        "eval/mean_reward": .float(-12.345),
        "train/actor_loss": .float(.nan),
    ])

    func testHumanTableHasStableBaselines3sLayout() {
        XCTAssertEqual(record.humanTable, """
            ---------------------------------
            | eval/              |          |
            |    mean_reward     | -12.3    |
            |    success_rate    | 0.4      |
            | time/              |          |
            |    total_timesteps | 2000     |
            | train/             |          |
            |    actor_loss      | nan      |
            ---------------------------------

            """)
    }

    func testCSVIsSortedWithPythonNumberText() {
        XCTAssertEqual(record.csvHeader, "eval/mean_reward,eval/success_rate,time/total_timesteps,train/actor_loss")
        XCTAssertEqual(record.csvRow, "-12.345,0.4,2000,nan")
    }

    func testJSONLineTurnsNaNIntoNull() {
        XCTAssertEqual(record.jsonLine,
                       #"{"eval/mean_reward": -12.345, "eval/success_rate": 0.4, "time/total_timesteps": 2000, "train/actor_loss": null}"#)
    }
}
