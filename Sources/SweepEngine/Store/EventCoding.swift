import Foundation
import HyperOpt

/// JSON of engine events in `hypertop_events.payload`. Non-finite scores are legal in a study
/// (a diverged run), so they are spelled as Python's json module spells them.
enum EventCoding {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        // Paths are most of a launch: `\/` would send every payload down the slow path.
        e.outputFormatting = [.withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    static func kind(_ event: EngineEvent) -> String {
        switch event {
        case .started: return "started"
        case .launched: return "launched"
        case .metrics: return "metrics"
        case .output: return "output"
        case .finished: return "finished"
        case .phase: return "phase"
        case .message: return "message"
        case .queued: return "queued"
        case .jobStarted: return "job_started"
        case .pruneCheck: return "prune_check"
        case .curveSource: return "curve_source"
        case .usage: return "usage"
        case .resourceTotals: return "resource_totals"
        }
    }

    static func trialNumber(_ event: EngineEvent) -> Int? {
        switch event {
        case .launched(let l): return l.number
        case .metrics(let n, _), .output(let n, _, _): return n
        case .finished(let o): return o.number
        case .queued(let n, _, _), .jobStarted(let n, _, _): return n
        case .pruneCheck(let n, _, _, _): return n
        case .curveSource(let n, _), .resourceTotals(let n, _): return n
        case .started, .phase, .message, .usage: return nil
        }
    }

    /// Decodes payloads in order: the common events by `EventFastPath`, the rest with one
    /// JSONDecoder call for all of them (per-call setup dominates for small events).
    static func decodeAll(_ payloads: [String]) throws -> [EngineEvent] {
        var events: [EngineEvent?] = payloads.map(EventFastPath.decode)
        let slow = events.indices.filter { events[$0] == nil }
        guard !slow.isEmpty else { return events.compactMap { $0 } }
        var text = "["
        text.reserveCapacity(slow.reduce(2) { $0 + payloads[$1].utf8.count + 1 })
        for (n, i) in slow.enumerated() {
            if n > 0 { text += "," }
            text += payloads[i]
        }
        text += "]"
        for (i, event) in zip(slow, try decoder().decode([EngineEvent].self, from: Data(text.utf8))) { events[i] = event }
        return events.compactMap { $0 }
    }
}
