import Foundation
import XCTest
@testable import HyperOpt

/// Fuzzing of the config loader: every config in the repository, mutated at random (hostile
/// values in place of scalars, lines dropped, doubled, swapped or re-indented, bytes inserted,
/// the text cut short). Whatever comes in, the loader returns a spec or a one-line ConfigError
/// at a line of the file, and a spec it returns can be sampled; a trap would end the test run.
/// The seed is fixed (HYPERTOP_FUZZ_SEED overrides it) and the count bounded
/// (HYPERTOP_FUZZ_SCALE multiplies it; `scripts/fuzz.sh` runs a long one).
final class ConfigLoaderFuzzTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var seed: UInt64 { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261203 }
    static var scale: Int { ProcessInfo.processInfo.environment["HYPERTOP_FUZZ_SCALE"].flatMap(Int.init) ?? 1 }

    static let hostile = [
        "-9223372036854775808", "9223372036854775807", "18446744073709551616", "1e308", "-1e308", "1e309", "1e-300", "5e-324",
        ".nan", ".inf", "-.inf", "null", "~", "''", "\"\"", "[]", "{}", "[[[[[[[[[[1]]]]]]]]]]", "*a", "&a 1", "!!binary aGk=",
        "!!python/object:os.system", "\"\\u001b]0;pwned\\u0007\"", "\"a\\u0000b\"", "0x10", "0o17", "1_000", "yes", "on", "-0",
        "0", "1", "2", "-1", "1000000000", "\"\(String(repeating: "s", count: 300))\"", "minimize", "maximize", "grid", "tpe",
        "random", "median", "{type: int, low: 0, high: 9000000000000000000}", "{type: float, low: 0, high: 1, step: 1e-300}",
        "{type: categorical, choices: []}", "{type: categorical, choices: [.nan, .nan, .inf, null]}", "[a, b, a]",
        // Wide, bidi and combining text (issue 27, M8), in names and values.
        "研究β", "x😀", "\"\\u202Eevil\\u202C\"", "\"e\\u0301\"", "{type: categorical, choices: [中文, x😀, \"\\u202E1\", \"\\u2066a\"]}",
        "{type: categorical, choices: [\"1\", 1, 1.0, true, \"true\"]}",
    ]

    func testMutatedConfigsLoadOrFailWithOneLineAtTheirLine() throws {
        let files = try Self.configFiles()
        XCTAssertGreaterThan(files.count, 5, "the repository's configs were not found under \(Self.root.path)")
        var g = SeededGenerator(seed: Self.seed)
        var loaded = 0, refused = 0
        for _ in 0..<(3000 * Self.scale) {
            let (path, original) = files[Int.random(in: 0..<files.count, using: &g)]
            var text = original
            for _ in 0..<Int.random(in: 1...3, using: &g) { text = Self.mutate(text, using: &g) }
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                let spec = try ConfigLoader.parse(text, path: path)
                loaded += 1
                // A spec that loads can be sampled without a trap.
                if let sampler = try? makeSampler(spec.sampler, space: spec.space) {
                    // Scores as jobs give them, non-finite ones included.
                    // Now and then long enough for the model-based samplers to leave their random start.
                    let trials = Int.random(in: 0..<50, using: &g) == 0 ? 14 : 3
                    _ = runStudy(sampler, space: spec.space, direction: spec.direction, seed: 1, trials: trials) { _ in
                        [Double.random(in: 0..<1, using: &g), .nan, .infinity, -.infinity, 1e308][Int.random(in: 0..<5, using: &g)]
                    }
                }
            } catch let error as ConfigError {
                refused += 1
                let one = "\(error)"
                XCTAssertFalse(one.contains("\n"), "not one line for:\n\(text)\n-> \(one)")
                XCTAssertEqual(ProcessText.printable(one), one, "the message shows the file's text neutralised")
                if let line = error.line { XCTAssertTrue((1...lineCount + 1).contains(line), "line \(line) of \(lineCount) for:\n\(text)\n-> \(one)") }
            } catch {
                XCTFail("not a ConfigError (\(type(of: error))): \(error)\nfor:\n\(text)")
            }
        }
        // The mutations reach both outcomes: neither all accepted nor all refused.
        XCTAssertGreaterThan(loaded, 100)
        XCTAssertGreaterThan(refused, 100)
    }

    static func configFiles() throws -> [(String, String)] {
        var out: [(String, String)] = []
        for dir in ["conf", "Tests/HypertopCLITests/Fixtures", "Tests/Fixtures"] {
            let base = root.appendingPathComponent(dir)
            guard let walker = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let rel as String in walker where rel.hasSuffix(".yaml") {
                let path = base.appendingPathComponent(rel).path
                if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("sweeper") { out.append((path, text)) }
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func mutate(_ text: String, using g: inout SeededGenerator) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return text }
        let i = Int.random(in: 0..<lines.count, using: &g)
        switch Int.random(in: 0..<8, using: &g) {
        case 0, 1:
            // A scalar after `key:` (or a list item) becomes a hostile value.
            let value = hostile[Int.random(in: 0..<hostile.count, using: &g)]
            if let colon = lines[i].range(of: ": ") {
                lines[i] = String(lines[i][..<colon.upperBound]) + value
            } else if let dash = lines[i].range(of: "- ") {
                lines[i] = String(lines[i][..<dash.upperBound]) + value
            } else {
                lines[i] += value
            }
        case 2: lines.remove(at: i)
        case 3: lines.insert(lines[i], at: i)
        case 4: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &g))
        case 5: lines[i] = Bool.random(using: &g) ? "  " + lines[i] : String(lines[i].dropFirst(min(2, lines[i].prefix { $0 == " " }.count)))
        case 6:
            let alphabet = Array(":{}[],&*!|>-?#'\"%@`\t\u{0}\u{1B}\u{FEFF}é\\ x1")
            var chars = Array(lines[i])
            chars.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &g)], at: Int.random(in: 0...chars.count, using: &g))
            lines[i] = String(chars)
        default:
            let cut = Int.random(in: 0...text.count, using: &g)
            return String(text.prefix(cut))
        }
        return lines.joined(separator: "\n")
    }
}
