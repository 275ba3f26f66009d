import Foundation
import HyperOpt
import XCTest
@testable import SweepEngine

final class StoreEventCodingTests: XCTestCase {
    /// A store written before the parameter set had its one name calls it `group`: both readers
    /// still take it.
    func testLegacyGroupKeyIsTheParamSet() throws {
        let encoder = EventCoding.encoder()
        let payload = String(decoding: try encoder.encode(EngineEvent.launched(StoreFixtures.launch(5, paramSet: 2))), as: UTF8.self)
        XCTAssertTrue(payload.contains("\"paramSet\""), payload)
        let legacy = payload.replacingOccurrences(of: "\"paramSet\"", with: "\"group\"")
        guard case .launched(let fast)? = EventFastPath.decode(legacy),
              case .launched(let slow) = try EventCoding.decoder().decode(EngineEvent.self, from: Data(legacy.utf8)) else {
            return XCTFail("not a launch: \(legacy)")
        }
        XCTAssertEqual(fast.paramSet, 2)
        XCTAssertEqual(slow.paramSet, 2)
    }

    /// The fast path must read exactly what JSONDecoder reads, for every shape of the two events it handles.
    func testFastPathAgreesWithJSONDecoder() throws {
        var launch = StoreFixtures.launch(7, paramSet: 3, repeatIndex: 2)
        launch.params["flag"] = .bool(true)
        launch.params["name"] = .string("é \"quoted\"\n")
        launch.command = []
        var placed = StoreFixtures.launch(8)
        placed.placement = ResourcePool.Placement(cpus: [2, 3], gpus: ["1", "GPU-a"])
        placed.jobWords = 2
        var returned = StoreFixtures.outcome(5, .complete, score: 0.00651592972722763)
        returned.scoreSource = .returned
        let events: [EngineEvent] = [
            .launched(StoreFixtures.launch(0)), .launched(launch), .launched(placed), .finished(returned),
            .finished(StoreFixtures.outcome(0, .complete, score: 0.1 + 0.2)),
            .finished(TrialOutcome(number: 1, state: .failed, score: nil, reason: nil, exitStatus: nil, signal: 9, endedAt: Date())),
            .finished(TrialOutcome(number: 2, state: .complete, score: .infinity, reason: "diverged", exitStatus: -1, signal: nil,
                                   endedAt: Date(timeIntervalSince1970: 1.5))),
            .finished(TrialOutcome(number: 3, state: .pruned, score: -.infinity, reason: nil, exitStatus: 0, signal: nil, endedAt: Date())),
            .finished(.lostWithEngine(number: 4, detail: "it never sent a heartbeat", at: Date(timeIntervalSince1970: 2))),
        ]
        let encoder = EventCoding.encoder()
        for event in events {
            let payload = String(decoding: try encoder.encode(event), as: UTF8.self)
            let fast = try XCTUnwrap(EventFastPath.decode(payload), payload)
            let slow = try EventCoding.decoder().decode(EngineEvent.self, from: Data(payload.utf8))
            switch (fast, slow) {
            case let (.launched(a), .launched(b)): XCTAssertEqual(a, b)
            case let (.finished(a), .finished(b)): XCTAssertEqual(a, b)
            default: XCTFail("different events for \(payload)")
            }
        }
        let nan = String(decoding: try encoder.encode(EngineEvent.finished(StoreFixtures.outcome(0, .complete, score: .nan))), as: UTF8.self)
        guard case .finished(let o)? = EventFastPath.decode(nan) else { return XCTFail(nan) }
        XCTAssertTrue(o.score?.isNaN == true)
    }

    func testOtherEventsFallBackToJSONDecoderInOrder() throws {
        let encoder = EventCoding.encoder()
        let events: [EngineEvent] = [.phase(.paused, reason: nil), .launched(StoreFixtures.launch(0)), .message("hi", at: Date(timeIntervalSince1970: 2)),
                                     .output(trial: 0, stream: .stderr, lines: ["x"]), .finished(StoreFixtures.outcome(0, .pruned, score: nil))]
        let payloads = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        XCTAssertNil(EventFastPath.decode(payloads[0]))
        XCTAssertNil(EventFastPath.decode(#"{"launched":{"_0":{"number":1.5}}}"#))
        let decoded = try EventCoding.decodeAll(payloads)
        XCTAssertEqual(decoded.map(EventCoding.kind), ["phase", "launched", "message", "output", "finished"])
        guard case .message(let text, let at) = decoded[2] else { return XCTFail() }
        XCTAssertEqual(text, "hi")
        XCTAssertEqual(at, Date(timeIntervalSince1970: 2))
    }
}

final class StoreMetricRowTests: XCTestCase {
    func testRowsOfChangingSeriesDecodeExactly() throws {
        var keys = MetricKeyNames()
        keys.add(7, "a")
        keys.add(5, "b")
        keys.add(9, "c")
        var decoder = MetricRowDecoder(keys: keys)
        let rows: [([MetricValues.Entry], [String: Double])] = [
            ([(5, 1), (7, 2)], ["b": 1, "a": 2]),
            ([(5, 3), (7, .infinity)], ["b": 3, "a": .infinity]),
            ([(5, 4)], ["b": 4]),
            ([(5, 5), (7, 6), (9, -1)], ["b": 5, "a": 6, "c": -1]),
            ([(5, 5), (42, 6)], ["b": 5]),
            ([], [:]),
            ([(9, 0.5)], ["c": 0.5]),
        ]
        for (entries, expected) in rows {
            let data = MetricValues.pack(entries)
            let row = data.withUnsafeBytes { decoder.row(step: 3, entries: $0) }
            XCTAssertEqual(row, MetricRow(step: 3, values: expected))
        }
    }
}
