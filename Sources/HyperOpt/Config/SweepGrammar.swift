import Foundation

/// The upstream hydra-optuna-sweeper's `params:` values, in Hydra's sweep grammar:
/// `choice(a, b)`, `range(start, stop, step=s)` (stop included, as the plugin maps it),
/// `interval(a, b)`, `int(interval(a, b))`, `tag(log, interval(a, b))`, `shuffle(...)`.
/// A plain value is a fixed override passed to every trial.
enum SweepGrammar {
    enum Parsed: Equatable {
        case parameter(Distribution)
        case fixed(ParamValue)
    }

    struct Failure: Error {
        var message: String
    }

    static func parse(_ text: String) throws(Failure) -> Parsed {
        var p = Parser(Array(text.unicodeScalars))
        let value = try p.expression()
        p.skipSpace()
        guard p.atEnd else { throw Failure(message: "unexpected `\(String(String.UnicodeScalarView(p.chars[p.i...])))` after the value") }
        switch value {
        case .sweep(let d): return .parameter(d)
        case .value(let v): return .fixed(v)
        case .interval(let a, let b, let intBounds, let log):
            if intBounds { return .parameter(.int(low: Int(a), high: Int(b), log: log, step: 1)) }
            return .parameter(.float(low: a, high: b, log: log, step: nil))
        }
    }

    private indirect enum Expr {
        case value(ParamValue)
        case sweep(Distribution)
        case interval(Double, Double, intBounds: Bool, log: Bool)
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        var atEnd: Bool { i >= chars.count }
        mutating func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }

        mutating func expression() throws(Failure) -> Expr {
            skipSpace()
            if let name = word(before: "(") {
                let (args, named) = try arguments()
                return try call(name, args, named)
            }
            return .value(try primitive())
        }

        /// An identifier followed by `mark` (both consumed), or nil with nothing consumed.
        mutating func word(before mark: Unicode.Scalar) -> String? {
            let start = i
            let name = identifier()
            skipSpace()
            if !name.isEmpty, i < chars.count, chars[i] == mark {
                i += 1
                return name
            }
            i = start
            return nil
        }

        mutating func identifier() -> String {
            var s = ""
            while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || (!s.isEmpty && ("0"..."9").contains(chars[i])) {
                s.unicodeScalars.append(chars[i])
                i += 1
            }
            return s
        }

        /// Arguments up to the closing `)`; `name=value` ones apart.
        mutating func arguments() throws(Failure) -> ([Expr], [String: Expr]) {
            var args: [Expr] = [], named: [String: Expr] = [:]
            skipSpace()
            if i < chars.count, chars[i] == ")" { i += 1; return (args, named) }
            while true {
                skipSpace()
                if let name = word(before: "=") {
                    named[name] = try expression()
                } else {
                    args.append(try expression())
                }
                skipSpace()
                guard i < chars.count else { throw Failure(message: "a `(` is not closed") }
                if chars[i] == "," { i += 1; continue }
                if chars[i] == ")" { i += 1; return (args, named) }
                throw Failure(message: "expected `,` or `)` at `\(chars[i])`")
            }
        }

        func number(_ e: Expr) -> (Double, isInt: Bool)? {
            if case .value(let v) = e {
                if case .int(let n) = v { return (Double(n), true) }
                if case .float(let x) = v { return (x, false) }
            }
            return nil
        }

        func call(_ name: String, _ args: [Expr], _ named: [String: Expr]) throws(Failure) -> Expr {
            switch name {
            case "choice":
                var choices: [ParamValue] = []
                for a in args {
                    guard case .value(let v) = a else { throw Failure(message: "choice() takes plain values") }
                    if choices.contains(v) { throw Failure(message: "choice `\(v)` is listed twice") }
                    choices.append(v)
                }
                guard !choices.isEmpty else { throw Failure(message: "choice() needs at least one value") }
                return .sweep(.categorical(choices: choices))
            case "shuffle":
                guard args.count == 1, case .sweep(let d) = args[0] else {
                    let values = args.compactMap { a -> ParamValue? in if case .value(let v) = a { return v } else { return nil } }
                    guard values.count == args.count, !values.isEmpty else { throw Failure(message: "shuffle() takes a choice or a list of values") }
                    return .sweep(.categorical(choices: values))
                }
                if case .int(let low, let high, _, let step) = d {
                    return .sweep(.categorical(choices: stride(from: low, through: high, by: step).map { .int($0) }))
                }
                return .sweep(d)
            case "range":
                var nums: [(Double, isInt: Bool)] = try args.map { (a: Expr) throws(Failure) -> (Double, isInt: Bool) in
                    guard let n = number(a) else { throw Failure(message: "range() takes numbers") }
                    return n
                }
                if let s = named["step"] {
                    guard let n = number(s) else { throw Failure(message: "range()'s step must be a number") }
                    nums.append(n)
                }
                if nums.count == 1 { nums.insert((0, isInt: true), at: 0) }
                guard nums.count == 2 || nums.count == 3 else { throw Failure(message: "range() takes start, stop and an optional step") }
                let (start, stop) = (nums[0], nums[1])
                let step: (Double, isInt: Bool) = nums.count == 3 ? nums[2] : (1, isInt: true)
                guard step.0 > 0 else { throw Failure(message: "range()'s step must be greater than 0") }
                guard start.0 <= stop.0 else { throw Failure(message: "range()'s start (\(start.0)) is greater than its stop (\(stop.0))") }
                if start.isInt && stop.isInt && step.isInt {
                    let (lo, hi, st) = (Int(start.0), Int(stop.0), Int(step.0))
                    guard (hi - lo) % st == 0 else { throw Failure(message: "range()'s step \(st) does not divide \(lo)...\(hi)") }
                    return .sweep(.int(low: lo, high: hi, log: false, step: st))
                }
                let k = (stop.0 - start.0) / step.0
                guard abs(k - k.rounded()) <= 1e-8 * max(1, k) else {
                    throw Failure(message: "range()'s step \(step.0) does not divide \(start.0)...\(stop.0)")
                }
                return .sweep(.float(low: start.0, high: stop.0, log: false, step: step.0))
            case "interval":
                guard args.count == 2, let a = number(args[0]), let b = number(args[1]) else {
                    throw Failure(message: "interval() takes two numbers, e.g. interval(0.001, 1.0)")
                }
                guard a.0 <= b.0 else { throw Failure(message: "interval()'s start (\(a.0)) is greater than its end (\(b.0))") }
                // Hydra's interval() makes its bounds floats: interval(0, 1) is a float in [0, 1]
                // (int(interval(...)) is the int one), checked against the plugin itself.
                return .interval(a.0, b.0, intBounds: false, log: false)
            case "int":
                guard args.count == 1, case .interval(let a, let b, _, let log) = args[0] else {
                    throw Failure(message: "int() is supported around interval() only")
                }
                return .interval(a.rounded(.up), b.rounded(.down), intBounds: true, log: log)
            case "float":
                guard args.count == 1, case .interval(let a, let b, _, let log) = args[0] else {
                    throw Failure(message: "float() is supported around interval() only")
                }
                return .interval(a, b, intBounds: false, log: log)
            case "tag":
                guard let last = args.last else { throw Failure(message: "tag() needs a sweep") }
                var tags: [String] = []
                for a in args.dropLast() {
                    guard case .value(.string(let t)) = a else { throw Failure(message: "tag() names its tags first, e.g. tag(log, interval(...))") }
                    tags.append(t)
                }
                guard case .interval(let a, let b, let intBounds, _) = last else {
                    if case .sweep = last, !tags.contains("log") { return last }
                    throw Failure(message: "tag(log, ...) needs an interval(), e.g. tag(log, interval(0.001, 1.0))")
                }
                let log = tags.contains("log")
                if log && a <= 0 { throw Failure(message: "a log interval needs a start > 0 (got \(a))") }
                return .interval(a, b, intBounds: intBounds, log: log)
            default:
                throw Failure(message: "`\(name)(...)` is not supported; use choice, range, interval, int(interval(...)), tag(log, ...) or shuffle")
            }
        }

        /// A value of Hydra's override grammar: number, bool, null, quoted or plain string, list.
        mutating func primitive() throws(Failure) -> ParamValue {
            skipSpace()
            guard i < chars.count else { throw Failure(message: "a value is missing") }
            let c = chars[i]
            if c == "'" || c == "\"" {
                i += 1
                var s = ""
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw Failure(message: "a quote is not closed") }
                i += 1
                return .string(s)
            }
            if c == "[" {
                i += 1
                var items: [ParamValue] = []
                skipSpace()
                if i < chars.count, chars[i] == "]" { i += 1; return .list(items) }
                while true {
                    items.append(try primitive())
                    skipSpace()
                    guard i < chars.count else { throw Failure(message: "a `[` is not closed") }
                    if chars[i] == "," { i += 1; continue }
                    if chars[i] == "]" { i += 1; return .list(items) }
                    throw Failure(message: "expected `,` or `]` at `\(chars[i])`")
                }
            }
            var s = ""
            while i < chars.count, !",()[]{}".unicodeScalars.contains(chars[i]) {
                s.unicodeScalars.append(chars[i])
                i += 1
            }
            let t = s.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty else { throw Failure(message: "a value is missing") }
            let plain = t.replacingOccurrences(of: "_", with: "")
            switch t.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: break
            }
            if let n = Int(plain) { return .int(n) }
            if let x = Double(plain), t.contains(where: { "0123456789".contains($0) }) { return .float(x) }
            return .string(t)
        }
    }
}
