import Foundation
import HyperOpt

/// Reads the two events a study has thousands of (`launched`, `finished`) straight from their JSON,
/// about four times faster than JSONDecoder. It mirrors the synthesized Codable form of the shared
/// model and gives up (nil) on anything else, so `EventCoding.decodeAll` falls back to JSONDecoder:
/// a change to the model can make loading slower, never wrong. A test checks both agree.
enum EventFastPath {
    static func decode(_ payload: String) -> EngineEvent? {
        guard let json = JSONValue.parse(payload), case .object(let top) = json, top.count == 1,
              case .object(let wrapper) = top[0].1, wrapper.count == 1, wrapper[0].0 == "_0" else { return nil }
        let body = wrapper[0].1
        switch top[0].0 {
        case "launched": return launch(body).map(EngineEvent.launched)
        case "finished": return outcome(body).map(EngineEvent.finished)
        default: return nil
        }
    }

    private static func launch(_ v: JSONValue) -> TrialLaunch? {
        guard case .object(let fields) = v, fields.count == 7,
              let number = v["number"]?.exactInt, let group = v["group"]?.exactInt, let repeatIndex = v["repeatIndex"]?.exactInt,
              case .object(let paramPairs)? = v["params"], let runDir = v["runDir"]?.string,
              case .array(let commandItems)? = v["command"], let started = v["startedAt"]?.number else { return nil }
        var params = Params(minimumCapacity: paramPairs.count)
        for (name, value) in paramPairs {
            guard let p = param(value) else { return nil }
            params[name] = p
        }
        var command: [String] = []
        command.reserveCapacity(commandItems.count)
        for item in commandItems {
            guard let s = item.string else { return nil }
            command.append(s)
        }
        return TrialLaunch(number: number, group: group, repeatIndex: repeatIndex, params: params, runDir: runDir, command: command,
                           startedAt: Date(timeIntervalSinceReferenceDate: started))
    }

    private static func param(_ v: JSONValue) -> ParamValue? {
        guard case .object(let pairs) = v, pairs.count == 1 else { return nil }
        let (kind, payload) = pairs[0]
        if kind == "null" {
            if case .object(let empty) = payload, empty.isEmpty { return .null }
            return nil
        }
        guard case .object(let inner) = payload, inner.count == 1, inner[0].0 == "_0" else { return nil }
        switch (kind, inner[0].1) {
        case ("int", .int(let i)): return .int(i)
        case ("float", let x): return x.number.map(ParamValue.float) ?? nonFinite(x).map(ParamValue.float)
        case ("string", .string(let s)): return .string(s)
        case ("bool", .bool(let b)): return .bool(b)
        default: return nil
        }
    }

    private static func outcome(_ v: JSONValue) -> TrialOutcome? {
        guard case .object(let fields) = v, let number = v["number"]?.exactInt,
              let state = v["state"]?.string.flatMap(TrialState.init(rawValue:)), let ended = v["endedAt"]?.number else { return nil }
        let known: Set<String> = ["number", "state", "score", "reason", "exitStatus", "signal", "endedAt"]
        guard fields.allSatisfy({ known.contains($0.0) }) else { return nil }
        var score: Double?
        if let s = v["score"] {
            guard let x = s.number ?? nonFinite(s) else { return nil }
            score = x
        }
        var reason: String?
        if let r = v["reason"] {
            guard let s = r.string else { return nil }
            reason = s
        }
        func int32(_ key: String) -> (ok: Bool, value: Int32?) {
            guard let x = v[key] else { return (true, nil) }
            guard let i = x.exactInt, let small = Int32(exactly: i) else { return (false, nil) }
            return (true, small)
        }
        let status = int32("exitStatus"), signal = int32("signal")
        guard status.ok, signal.ok else { return nil }
        return TrialOutcome(number: number, state: state, score: score, reason: reason, exitStatus: status.value, signal: signal.value,
                            endedAt: Date(timeIntervalSinceReferenceDate: ended))
    }

    /// EventCoding spells non-finite numbers as these strings.
    private static func nonFinite(_ v: JSONValue) -> Double? {
        switch v.string {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }
}

extension JSONValue {
    /// An integer written without a fraction or exponent (what JSONEncoder writes for an Int).
    var exactInt: Int? {
        if case .int(let i) = self { return i }
        return nil
    }
}
