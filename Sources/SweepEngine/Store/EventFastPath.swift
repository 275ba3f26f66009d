import Foundation
import HyperOpt

/// Reads the two events a study has thousands of (`launched`, `finished`) straight from their JSON
/// bytes, several times faster than JSONDecoder. It mirrors the synthesized Codable form of the
/// shared model and gives up (nil) on anything else (another event, an unknown key, an escaped
/// key), so `EventCoding.decodeAll` falls back to JSONDecoder: a change to the model can make
/// loading slower, never wrong. A test checks both agree.
enum EventFastPath {
    static func decode(_ payload: String) -> EngineEvent? {
        var text = payload
        return text.withUTF8 { bytes in
            var r = JSONBytes(bytes)
            guard r.take("{"), let kind = r.key(), r.take("{"), r.key() == "_0" else { return nil }
            let event: EngineEvent?
            switch kind {
            case "launched": event = launch(&r).map(EngineEvent.launched)
            case "finished": event = outcome(&r).map(EngineEvent.finished)
            default: return nil
            }
            guard r.take("}"), r.take("}"), r.atEnd else { return nil }
            return event
        }
    }

    private static func launch(_ r: inout JSONBytes) -> TrialLaunch? {
        var number: Int?, paramSet: Int?, repeatIndex: Int?, runDir: String?, started: Double?
        var params: Params?, command: [String]?, placement: ResourcePool.Placement?, jobWords: Int?
        guard r.take("{") else { return nil }
        while let key = r.key() {
            switch key {
            case "number": number = r.int()
            case "paramSet", "group": paramSet = r.int()
            case "repeatIndex": repeatIndex = r.int()
            case "runDir": runDir = r.string()
            case "startedAt": started = r.double()
            case "params": params = paramsObject(&r)
            case "command": command = r.strings()
            case "placement": guard let p = placementObject(&r) else { return nil }; placement = p
            case "jobWords": guard let v = r.int() else { return nil }; jobWords = v
            default: return nil
            }
            guard r.endOfMember() else { return nil }
        }
        guard let number, let paramSet, let repeatIndex, let runDir, let started, let params, let command else { return nil }
        var launch = TrialLaunch(number: number, paramSet: paramSet, repeatIndex: repeatIndex, params: params, runDir: runDir, command: command,
                                 startedAt: Date(timeIntervalSinceReferenceDate: started))
        launch.placement = placement
        launch.jobWords = jobWords
        return launch
    }

    private static func placementObject(_ r: inout JSONBytes) -> ResourcePool.Placement? {
        guard r.take("{") else { return nil }
        var placement = ResourcePool.Placement()
        while let key = r.key() {
            switch key {
            case "cpus": guard let v = r.ints() else { return nil }; placement.cpus = v
            case "gpus": guard let v = r.strings() else { return nil }; placement.gpus = v
            default: return nil
            }
            guard r.endOfMember() else { return nil }
        }
        return placement
    }

    private static func paramsObject(_ r: inout JSONBytes) -> Params? {
        guard r.take("{") else { return nil }
        var params = Params()
        while let name = r.key() {
            guard r.take("{"), let kind = r.key() else { return nil }
            if kind == "null" {
                guard r.take("{"), r.take("}") else { return nil }
                params[name] = .null
            } else {
                guard r.take("{"), r.key() == "_0" else { return nil }
                switch kind {
                case "int": guard let v = r.int() else { return nil }; params[name] = .int(v)
                case "float": guard let v = r.double() else { return nil }; params[name] = .float(v)
                case "string": guard let v = r.string() else { return nil }; params[name] = .string(v)
                case "bool": guard let v = r.bool() else { return nil }; params[name] = .bool(v)
                default: return nil
                }
                guard r.take("}") else { return nil }
            }
            guard r.take("}"), r.endOfMember() else { return nil }
        }
        return params
    }

    private static func outcome(_ r: inout JSONBytes) -> TrialOutcome? {
        var number: Int?, state: TrialState?, ended: Double?
        var score: Double?, reason: String?, exitStatus: Int32?, signal: Int32?, cause: EndCause?, source: ScoreSource?
        var values: [Double]?, constraints: [Double]?
        guard r.take("{") else { return nil }
        while let key = r.key() {
            switch key {
            case "number": number = r.int()
            case "state": state = r.string().flatMap(TrialState.init(rawValue:))
            case "endedAt": ended = r.double()
            case "score": guard let v = r.double() else { return nil }; score = v
            case "reason": guard let v = r.string() else { return nil }; reason = v
            case "exitStatus": guard let v = r.int().flatMap({ Int32(exactly: $0) }) else { return nil }; exitStatus = v
            case "signal": guard let v = r.int().flatMap({ Int32(exactly: $0) }) else { return nil }; signal = v
            case "cause": guard let v = r.string().flatMap(EndCause.init(rawValue:)) else { return nil }; cause = v
            case "scoreSource": guard let v = r.string().flatMap(ScoreSource.init(rawValue:)) else { return nil }; source = v
            case "values": guard let v = r.doubles() else { return nil }; values = v
            case "constraints": guard let v = r.doubles() else { return nil }; constraints = v
            default: return nil
            }
            guard r.endOfMember() else { return nil }
        }
        guard let number, let state, let ended else { return nil }
        var outcome = TrialOutcome(number: number, state: state, score: score, reason: reason, exitStatus: exitStatus, signal: signal,
                                   endedAt: Date(timeIntervalSinceReferenceDate: ended), cause: cause)
        outcome.scoreSource = source
        outcome.values = values
        outcome.constraints = constraints
        return outcome
    }
}

/// A forward-only reader over JSON bytes, for the shapes `EventFastPath` knows. Every method
/// returns nil when the bytes are not what it expects.
struct JSONBytes {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get { skipSpace(); return i == bytes.count }
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func take(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    /// The next member's key and its colon, or nil at the object's closing brace (consumed).
    mutating func key() -> String? {
        if take("}") { return nil }
        guard let k = string(), take(":") else { return nil }
        return k
    }

    /// After a member's value: a comma, or the closing brace left for `key()` to see.
    mutating func endOfMember() -> Bool {
        if take(",") { return true }
        skipSpace()
        return i < bytes.count && bytes[i] == UInt8(ascii: "}")
    }

    mutating func string() -> String? {
        guard take("\"") else { return nil }
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") { return escapedString(from: start) }
            i += 1
        }
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// The rare string with escapes: hand it to the full parser.
    private mutating func escapedString(from start: Int) -> String? {
        var end = start
        while end < bytes.count {
            if bytes[end] == UInt8(ascii: "\\") { end += 2; continue }
            if bytes[end] == UInt8(ascii: "\"") { break }
            end += 1
        }
        guard end < bytes.count else { return nil }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[(start - 1)...end]), as: UTF8.self)
        i = end + 1
        return JSONValue.parse(literal)?.string
    }

    mutating func int() -> Int? {
        skipSpace()
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        var v = 0
        let digits = i
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - 48))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        guard i > digits else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
        return bytes[start] == UInt8(ascii: "-") ? -v : v
    }

    /// A number, or the strings EventCoding writes for non-finite values.
    mutating func double() -> Double? {
        skipSpace()
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") {
            switch string() {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return nil
            }
        }
        let start = i
        while i < bytes.count, (bytes[i] >= 48 && bytes[i] <= 57) || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")
            || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { i += 1 }
        guard i > start else { return nil }
        return Double(Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)))
    }

    mutating func bool() -> Bool? {
        skipSpace()
        if bytes.count - i >= 4, bytes[i] == UInt8(ascii: "t"), bytes[i + 1] == UInt8(ascii: "r"), bytes[i + 2] == UInt8(ascii: "u"),
           bytes[i + 3] == UInt8(ascii: "e") { i += 4; return true }
        if bytes.count - i >= 5, bytes[i] == UInt8(ascii: "f"), bytes[i + 1] == UInt8(ascii: "a"), bytes[i + 2] == UInt8(ascii: "l"),
           bytes[i + 3] == UInt8(ascii: "s"), bytes[i + 4] == UInt8(ascii: "e") { i += 5; return false }
        return nil
    }

    mutating func ints() -> [Int]? { array { $0.int() } }

    mutating func strings() -> [String]? { array { $0.string() } }

    mutating func doubles() -> [Double]? { array { $0.double() } }

    /// A JSON array whose every element `element` reads.
    private mutating func array<T>(_ element: (inout JSONBytes) -> T?) -> [T]? {
        guard take("[") else { return nil }
        var out: [T] = []
        if take("]") { return out }
        repeat {
            guard let e = element(&self) else { return nil }
            out.append(e)
        } while take(",")
        return take("]") ? out : nil
    }
}
