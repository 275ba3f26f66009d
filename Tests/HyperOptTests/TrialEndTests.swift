import Foundation
import XCTest
@testable import HyperOpt

/// How a job's end becomes a trial's outcome, without processes or files: the rule the scheduler applies.
final class TrialEndTests: XCTestCase {
    let scorer = Scorer(rule: .last, criterion: "eval/success_rate", lastN: 1)
    let at = Date(timeIntervalSince1970: 1_800_000_000)
    let logged = MetricSeries([MetricRow(step: 1, values: ["eval/success_rate": 0.25]), MetricRow(step: 2, values: ["eval/success_rate": 0.5])])

    func classify(_ status: JobStatus, killed: String? = nil, pruned: Bool = false, facts: JobEndFacts = JobEndFacts(),
                  metrics: MetricSeries? = nil) -> TrialOutcome {
        TrialOutcome.classify(number: 7, status: status, killedBecause: killed, pruned: pruned, metrics: metrics ?? logged, facts: facts,
                              scorer: scorer, at: at)
    }

    func testACleanExitIsScoredFromWhatTheAppReturnedElseFromTheLog() {
        let fromLog = classify(.exited(0))
        XCTAssertEqual(fromLog.state, .complete)
        XCTAssertEqual(fromLog.score, 0.5)
        XCTAssertEqual(fromLog.scoreSource, .criterion)
        XCTAssertEqual(fromLog.exitStatus, 0)

        let returned = classify(.exited(0), facts: JobEndFacts(returned: .success(ReturnedValue(value: 0.125, epochs: 3))))
        XCTAssertEqual(returned.score, 0.125)
        XCTAssertEqual(returned.scoreSource, .returned)

        let nan = classify(.exited(0), facts: JobEndFacts(returned: .success(ReturnedValue(value: .nan))))
        XCTAssertEqual(nan.state, .failed)
        XCTAssertEqual(nan.reason, "score is not a finite number (nan)")

        let nothing = classify(.exited(0), metrics: MetricSeries())
        XCTAssertEqual(nothing.reason, "criterion `eval/success_rate` was never logged")
        XCTAssertEqual(nothing.exitStatus, 0)
    }

    /// Issue 27 (M9): metrics passed over unread never give a score presented as whole.
    func testACleanExitWhoseMetricsWereNotAllReadGetsNoScoreFromThem() {
        let gap = "its metrics were not all read (1 GB of metrics.jsonl was left unread at the job's end)"
        let fromLog = classify(.exited(0), facts: JobEndFacts(metricsGap: gap))
        XCTAssertEqual(fromLog.state, .failed)
        XCTAssertNil(fromLog.score)
        XCTAssertEqual(fromLog.reason, gap + "; no score from part of them")
        XCTAssertEqual(fromLog.exitStatus, 0)

        let reported = classify(.exited(0), facts: JobEndFacts(metricsGap: gap),
                                metrics: MetricSeries([MetricRow(step: 1, values: [Scorer.reportedScoreKey: 0.75])]))
        XCTAssertEqual(reported.state, .failed, "a hyperopt_score may have been in what was passed over")

        // The app's returned value does not come from the metrics: kept, and the gap said with it.
        let returned = classify(.exited(0), facts: JobEndFacts(returned: .success(ReturnedValue(value: 0.125)), metricsGap: gap))
        XCTAssertEqual(returned.state, .complete)
        XCTAssertEqual(returned.score, 0.125)
        XCTAssertEqual(returned.reason, gap + "; the score is the app's returned value")

        let never = classify(.exited(0), facts: JobEndFacts(metricsGap: gap), metrics: MetricSeries())
        XCTAssertEqual(never.reason, "criterion `eval/success_rate` was never logged; " + gap)
    }

    func testAFailedJobSaysItsExitStatusAndErrorLineOrItsSignal() {
        let crashed = classify(.exited(3), facts: JobEndFacts(errorLine: "ValueError: bad learning rate"))
        XCTAssertEqual(crashed.state, .failed)
        XCTAssertEqual(crashed.reason, "exit status 3: ValueError: bad learning rate")
        XCTAssertEqual(classify(.exited(3)).reason, "exit status 3")
        let signaled = classify(.signaled(9))
        XCTAssertEqual(signaled.reason, "killed by signal 9 (SIGKILL)")
        XCTAssertEqual(signaled.signal, 9)
        XCTAssertNil(signaled.cause)
    }

    func testTheLauncherSaysWhyWhenItKnowsAndALostNodeIsMarked() {
        let lost = classify(.ended(JobEnd(reason: "its node failed (NODE_FAIL)", exit: 0, signal: 9, lostWithNode: true)))
        XCTAssertEqual(lost.reason, "its node failed (NODE_FAIL)")
        XCTAssertEqual(lost.cause, .lostWithNode)
        XCTAssertEqual(lost.signal, 9)
        XCTAssertNil(classify(.ended(JobEnd(reason: "hit its time limit"))).cause)
    }

    func testHypertopsOwnReasonWinsOverWhatTheJobDidThen() {
        for status: JobStatus in [.exited(0), .exited(1), .signaled(15), .running, .ended(JobEnd(reason: "cancelled"))] {
            let o = classify(status, killed: "killed from the dashboard")
            XCTAssertEqual(o.state, .failed, "\(status)")
            XCTAssertEqual(o.reason, "killed from the dashboard")
            XCTAssertEqual(o.cause, .killed)
            XCTAssertNil(o.score)
        }
        let pruned = classify(.signaled(15), killed: "pruned by median at evaluation 2", pruned: true)
        XCTAssertEqual(pruned.state, .pruned)
        XCTAssertEqual(pruned.reason, "pruned by median at evaluation 2")
        XCTAssertNil(pruned.signal)
    }
}
