import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// Fuzzing of the metric parsers, seeded (HYPERTOP_FUZZ_SEED) and bounded (HYPERTOP_FUZZ_SCALE
/// multiplies the counts; `scripts/fuzz.sh` runs a long one).
/// - JSON lines: random and mutated lines, each read by our parser and by Python's `json.loads`
///   (the reference: the jobs that write these lines are mostly Python): the same lines are
///   malformed, and the others give the same numbers under the same keys, to the bit.
/// - CSV and stdout: mutated input never traps and yields only numbers under keys it contains;
///   well-formed input yields exactly the rows it holds.
final class MetricParserFuzzTests: XCTestCase {
    static var seed: UInt64 { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261203 }
    static var scale: Int { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SCALE"].flatMap(Int.init) ?? 1 }

    // MARK: JSON lines against Python's json

    static let numbers = [
        "0", "-0", "1", "-1", "42", "01", "-01", "1.", ".5", "1.5", "-2.25", "1e5", "1E+5", "1e-5", "1e309", "-1e309", "1e-400",
        "NaN", "Infinity", "-Infinity", "-NaN", "+1", "0x1F", "1_0", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
        "123456789012345678901234567890", "9007199254740993", "0.1", "1e", "1e+", "--1", "1.0e0", "nan", "inf", "true", "false", "null",
        String(repeating: "9", count: 400), "0." + String(repeating: "0", count: 330) + "1",
    ]
    static let keys = [
        "step", "eval/success_rate", "a", "", "é", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\udc00x", "\\ud800\\u0041", "\\n", "\\\"",
        "\\/", "\\x", "\\u12", "tab\tkey", "ctl\u{1}", "😀", "k\\u0000", "step",
    ]

    static func jsonValue(_ depth: Int, _ g: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<(depth > 4 ? 3 : 6), using: &g) {
        case 0, 1: return numbers[Int.random(in: 0..<numbers.count, using: &g)]
        case 2: return "\"" + keys[Int.random(in: 0..<keys.count, using: &g)] + "\""
        case 3: return "[" + (0..<Int.random(in: 0...3, using: &g)).map { _ in jsonValue(depth + 1, &g) }.joined(separator: ", ") + "]"
        default: return jsonObject(depth + 1, &g)
        }
    }

    static func jsonObject(_ depth: Int, _ g: inout SeededGenerator) -> String {
        let pairs = (0..<Int.random(in: 0...5, using: &g)).map { _ in
            "\"" + keys[Int.random(in: 0..<keys.count, using: &g)] + "\"" + [":", " : ", ":\t"][Int.random(in: 0..<3, using: &g)] + jsonValue(depth, &g)
        }
        return "{" + pairs.joined(separator: [",", ", ", " ,"][Int.random(in: 0..<3, using: &g)]) + "}"
    }

    static func mutate(_ line: String, _ g: inout SeededGenerator) -> String {
        var chars = Array(line)
        let alphabet = Array("{}[]:,\"\\ \t\r0123456789.eE+-nNaIfuU\u{0}\u{1F}\u{7F}\u{85}\u{A0}\u{2028}é")
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            let i = Int.random(in: 0...chars.count, using: &g)
            switch Int.random(in: 0..<3, using: &g) {
            case 0: chars.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &g)], at: i)
            case 1: if i < chars.count { chars.remove(at: i) }
            default: if i < chars.count { chars[i] = alphabet[Int.random(in: 0..<alphabet.count, using: &g)] }
            }
        }
        return String(chars)
    }

    func testJSONLinesReadAsPythonsJSONReadsThem() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw missingTool("python3 not found") }
        var g = SeededGenerator(seed: Self.seed)
        var lines: [String] = []
        for _ in 0..<(20_000 * Self.scale) {
            var line = Self.jsonObject(0, &g)
            if Bool.random(using: &g) { line = Self.mutate(line, &g) }
            if Int.random(in: 0..<20, using: &g) == 0 { line = [" ", "", "\t", " \r", "[1]", "\"s\"", "1", "{}"][Int.random(in: 0..<8, using: &g)] }
            lines.append(line.replacingOccurrences(of: "\n", with: " "))
        }
        let file = NSTemporaryDirectory() + "json-fuzz-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: file))
        let reference = try runProgram("/usr/bin/python3", ["-c", """
            import json, math, struct, sys
            out = []
            for raw in open(sys.argv[1], 'rb').read().split(b'\\n')[:-1]:
                line = raw.decode('utf-8')
                if line.strip(' \\t\\r\\n') == '':
                    out.append('B'); continue
                try:
                    v = json.loads(line, object_pairs_hook=lambda pairs: ('object', pairs))
                except (ValueError, RecursionError):
                    out.append('M'); continue
                if not (isinstance(v, tuple) and v[0] == 'object'):
                    out.append('M'); continue
                # Keys as Swift strings hold them: a lone surrogate is U+FFFD (so two keys that
                # differ only there are one); of a key given twice the last value counts.
                values = {}
                for k, x in v[1]:
                    values[k.encode('utf-16', 'surrogatepass').decode('utf-16', 'replace').encode('utf-8').hex()] = x
                numbers = {}
                for key, x in values.items():
                    if isinstance(x, bool) or not isinstance(x, (int, float)): continue
                    try: f = float(x)
                    except OverflowError: f = math.inf if x > 0 else -math.inf
                    if f == 0: f = 0.0
                    numbers[key] = f
                # The first step key present gives the row its step; a counter key ("step",
                # "global_step", "epoch") with a whole-number value is then no metric of its own,
                # unless it is the row's only value.
                step_keys = [k.encode().hex() for k in ['step', 'time/total_timesteps', 'global_step', 'timesteps', 'epoch']]
                first = next((k for k in step_keys if k in numbers), None)
                if first in [k.encode().hex() for k in ['step', 'global_step', 'epoch']] and len(numbers) > 1:
                    f = numbers[first]
                    if math.isfinite(f) and -2**63 <= math.copysign(math.floor(abs(f) + 0.5), f) < 2**63:
                        del numbers[first]
                items = [key + '=' + ('nan' if f != f else struct.pack('<d', f).hex()) for key, f in numbers.items()]
                out.append(' '.join(sorted(items)))
            sys.stdout.write('\\n'.join(out) + '\\n')
            """, file])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = reference.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(expected.count, lines.count)
        var mismatches = 0, malformed = 0
        for (line, want) in zip(lines, expected) {
            let got = Self.ours(line)
            if want == "M" { malformed += 1 }
            if got != want {
                mismatches += 1
                if mismatches <= 10 { XCTFail("line \(line.debugDescription): ours \(got), Python \(want)") }
            }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertGreaterThan(malformed, lines.count / 10, "the mutations reach malformed lines")
        XCTAssertLessThan(malformed, lines.count * 9 / 10, "and well-formed ones")
    }

    static func ours(_ line: String) -> String {
        if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return "B" }
        switch JSONLinesParser.parse(line) {
        case .none: return "M"
        case .some(.none): return ""
        case .some(let row?):
            return row.values.map { key, value in
                let v = value == 0 ? 0.0 : value
                let bits = withUnsafeBytes(of: v.bitPattern.littleEndian) { $0.map { String(format: "%02x", $0) }.joined() }
                return Data(key.utf8).map { String(format: "%02x", $0) }.joined() + "=" + (v.isNaN ? "nan" : bits)
            }.sorted().joined(separator: " ")
        }
    }

    // MARK: CSV

    func testCSVNeverTrapsAndKeepsToItsHeader() {
        var g = SeededGenerator(seed: Self.seed &+ 1)
        let cells = ["1", "-2.5", "", " 3 ", "nan", "inf", "-inf", "x", "\"4,5\"", "1e309", "\"", ",", "1,2", "step", "time/total_timesteps"]
        for _ in 0..<(300 * Self.scale) {
            var parser = CSVProgressParser()
            let width = Int.random(in: 1...6, using: &g)
            let names0 = (0..<width).map { _ in ["step", "eval/success_rate", "a b", "\"q,k\"", "", "time/total_timesteps"][Int.random(in: 0..<6, using: &g)] }
            var text = [names0.joined(separator: ",")]
            for _ in 0..<Int.random(in: 0...20, using: &g) {
                text.append((0..<Int.random(in: max(1, width - 1)...(width + 1), using: &g)).map { _ in cells[Int.random(in: 0..<cells.count, using: &g)] }.joined(separator: ","))
            }
            if Bool.random(using: &g) { text = text.map { Self.mutate($0, &g) } }
            // The header is the first line that is not blank.
            let header = text.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            let names = Set(CSVProgressParser.split(header))
            for line in text {
                guard case .some(let row?) = parser.parse(line) else { continue }
                XCTAssertFalse(row.values.isEmpty)
                for key in row.values.keys { XCTAssertTrue(names.contains(key), "key \(key.debugDescription) not in the header \(header.debugDescription)") }
            }
        }
    }

    func testCSVWellFormedRowsComeOutExactly() {
        var g = SeededGenerator(seed: Self.seed &+ 2)
        for _ in 0..<(200 * Self.scale) {
            var parser = CSVProgressParser()
            XCTAssertEqual(parser.parse("step,eval/success_rate,train/loss"), .some(nil))
            for step in 0..<Int.random(in: 1...30, using: &g) {
                let rate = Double(Int.random(in: 0...1000, using: &g)) / 1000, loss = Double.random(in: -1e6...1e6, using: &g)
                let row = parser.parse("\(step),\(rate),\(loss)")
                XCTAssertEqual(row, .some(MetricRow(step: step, values: ["eval/success_rate": rate, "train/loss": loss])))
            }
        }
    }

    // MARK: stdout (SB3 table, key=value)

    func testStdoutNeverTrapsAndGivesOnlyNumbersItWasShown() {
        var g = SeededGenerator(seed: Self.seed &+ 3)
        for _ in 0..<(300 * Self.scale) {
            var parser = StdoutMetricParser()
            var lines = Self.sb3Table(step: Int.random(in: 0...1000, using: &g), &g).lines
            lines += ["hyperopt_score=0.5", "x=y", "=1", "a==1", "loss=nan", String(repeating: "-", count: 5000), "| k | 1 |", "k=1e309"]
            lines.shuffle(using: &g)
            lines = lines.map { Bool.random(using: &g) ? Self.mutate($0, &g) : $0 }
            let text = lines.joined(separator: "\n")
            for line in lines {
                guard let row = parser.parse(line) else { continue }
                XCTAssertFalse(row.values.isEmpty)
                for key in row.values.keys {
                    let leaf = key.split(separator: "/").last.map(String.init) ?? key
                    XCTAssertTrue(text.contains(leaf), "key \(key.debugDescription) is not in the input")
                }
            }
        }
    }

    func testStdoutWellFormedTablesAndPairsComeOutExactly() {
        var g = SeededGenerator(seed: Self.seed &+ 4)
        for _ in 0..<(200 * Self.scale) {
            var parser = StdoutMetricParser()
            var want: [MetricRow] = [], got: [MetricRow] = []
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                if Bool.random(using: &g) {
                    let table = Self.sb3Table(step: Int.random(in: 0...100_000, using: &g), &g)
                    want.append(table.row)
                    got += table.lines.compactMap { parser.parse($0) }
                } else {
                    let v = Double(Int.random(in: -1000...1000, using: &g)) / 8
                    want.append(MetricRow(step: nil, values: ["eval/success_rate": v]))
                    got += [parser.parse("eval/success_rate=\(v)")].compactMap { $0 }
                }
                got += ["Epoch 3 done", "", "Using cpu device"].compactMap { parser.parse($0) }
            }
            XCTAssertEqual(got, want)
        }
    }

    /// Found by the long fuzz run: a table row with an empty name gave a metric named "".
    func testATableRowWithoutANameIsNoMetric() {
        var parser = StdoutMetricParser()
        let rows = ["-----", "| eval/ |  |", "|    success_rate | 0.5 |", "|  | 7 |", "|    | 8 |", "-----"].compactMap { parser.parse($0) }
        XCTAssertEqual(rows, [MetricRow(step: nil, values: ["eval/success_rate": 0.5])])
    }

    /// An SB3 human-format table and the row it stands for.
    static func sb3Table(step: Int, _ g: inout SeededGenerator) -> (lines: [String], row: MetricRow) {
        let rate = Double(Int.random(in: 0...100, using: &g)) / 100, reward = Double(Int.random(in: -5000...0, using: &g)) / 10
        let lines = [
            "------------------------------------",
            "| eval/                 |          |",
            "|    success_rate       | \(rate)     |",
            "| rollout/              |          |",
            "|    ep_rew_mean        | \(reward)   |",
            "| time/                 |          |",
            "|    total_timesteps    | \(step)     |",
            "------------------------------------",
        ]
        return (lines, MetricRow(step: step, values: ["eval/success_rate": rate, "rollout/ep_rew_mean": reward, "time/total_timesteps": Double(step)]))
    }
}
