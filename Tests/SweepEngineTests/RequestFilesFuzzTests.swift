import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// Fuzzing of what another process may leave in `.hypertop-requests/` (seeded and bounded as
/// the other fuzz tests: HYPERTOP_FUZZ_SEED, HYPERTOP_FUZZ_SCALE; `scripts/fuzz.sh` runs a long
/// one). Requests that hypertop wrote come back in their writers' order, each exactly once; every
/// other entry (mutated JSON, random bytes, huge and sparse files, FIFOs, links, directories, odd
/// names with wide, bidi and control characters) is refused and removed, unread where it is too
/// big, and nothing of it reaches the screen unneutralised.
final class RequestFilesFuzzTests: XCTestCase {
    static let texts = ["", "slow", "研究β", "x😀", "\u{202E}evil\u{202C}", "\u{1B}]0;TITLE\u{07}", "tab\there", "\u{0}nul", "e\u{301}",
                        "\u{2066}iso\u{2069}", String(repeating: "long ", count: 100), "\u{85}next", "nan", "-inf"]

    static func command(_ g: inout SeededGenerator) -> StudyCommand {
        let text = texts[Int.random(in: 0..<texts.count, using: &g)]
        let number = [0, 1, 7, -1, Int.max, Int.min, 1000, 1001][Int.random(in: 0..<8, using: &g)]
        switch Int.random(in: 0..<7, using: &g) {
        case 0: return .togglePause
        case 1: return .toggleStop
        case 2: return .kill(trial: number, reason: Bool.random(using: &g) ? text : nil)
        case 3: return .killAll(reason: Bool.random(using: &g) ? text : nil)
        case 4: return .retry(paramSet: number)
        case 5: return .addRuns(paramSet: 1, count: number)
        default: return .enqueue([text: [.string(text), .int(number), .float(1e308), .bool(true)][Int.random(in: 0..<4, using: &g)]])
        }
    }

    func testWhateverIsInTheRequestDirectoryIsTakenOrRefusedAndRemoved() throws {
        var g = SeededGenerator(seed: MetricParserFuzzTests.seed &+ 11)
        let sweep = NSTemporaryDirectory() + "requests-fuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: sweep) }
        let requests = RequestFiles(sweepDirectory: sweep)
        for round in 0..<(40 * MetricParserFuzzTests.scale) {
            try FileManager.default.createDirectory(atPath: requests.directory, withIntermediateDirectories: true)
            var expected: [(Int, StudyCommand)] = []
            var junk = 0
            for k in 0..<Int.random(in: 0...12, using: &g) {
                let number = round * 100 + k
                var command = Self.command(&g)
                var data = try JSONEncoder().encode(command)
                var name = String(format: "%012d.json", number)
                var valid = true
                switch Int.random(in: 0..<10, using: &g) {
                case 0: // a byte or three changed
                    for _ in 0..<Int.random(in: 1...3, using: &g) where !data.isEmpty {
                        data[Int.random(in: 0..<data.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                    }
                    // Still a request when it still decodes (to whatever it now says).
                    if let still = try? JSONDecoder().decode(StudyCommand.self, from: data) { command = still } else { valid = false }
                case 1: // random bytes
                    data = Data((0..<Int.random(in: 0...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) })
                    valid = false
                case 2: // a name that is no sequence number
                    name = Self.texts[Int.random(in: 0..<Self.texts.count, using: &g)].replacingOccurrences(of: "/", with: "_")
                        .replacingOccurrences(of: "\u{0}", with: "0").prefix(40) + ["", ".json", ".tmp"][Int.random(in: 0..<3, using: &g)]
                    if name.isEmpty || name.hasPrefix(".") || name == ".json" { name = "x" + name }
                    valid = false
                default: break
                }
                let path = requests.directory + "/" + name
                if FileManager.default.fileExists(atPath: path) { continue }
                switch Int.random(in: 0..<12, using: &g) {
                case 0: // huge and sparse: refused without being read
                    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data))
                    XCTAssertEqual(truncate(path, off_t([65 * 1024, 300_000_000, 50_000_000_000][Int.random(in: 0..<3, using: &g)])), 0)
                    junk += 1
                case 1: // a FIFO, a link to /dev/zero, a directory: never opened
                    switch Int.random(in: 0..<3, using: &g) {
                    case 0: XCTAssertEqual(mkfifo(path, 0o644), 0)
                    case 1: XCTAssertEqual(symlink("/dev/zero", path), 0)
                    default: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                    }
                    junk += 1
                default:
                    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data))
                    if valid { expected.append((number, command)) } else { junk += 1 }
                }
            }
            let taken = requests.take()
            let left = try FileManager.default.contentsOfDirectory(atPath: requests.directory).filter { !$0.hasPrefix(".") }
            XCTAssertEqual(left, [], "round \(round): every entry is removed")
            XCTAssertEqual(taken.refused.count + taken.commands.count, expected.count + junk, "round \(round): each entry taken or refused once")
            // What a writer asked, as the engine may carry it out: in order; a reason shown printable.
            let allowed = expected.sorted { $0.0 < $1.0 }.map(\.1).filter {
                if case .addRuns(_, let count) = $0 { return (1...RequestFiles.maxAddedRuns).contains(count) }
                return true
            }
            XCTAssertEqual(taken.commands.count, allowed.count, "round \(round): \(taken.refused)")
            for (got, want) in zip(taken.commands, allowed) {
                switch (got, want) {
                case (.kill(let a, let reason), .kill(let b, _)):
                    XCTAssertEqual(a, b)
                    if let reason { XCTAssertEqual(ProcessText.printable(reason), reason, "a reason reaches the screen neutralised") }
                case (.killAll(let reason), .killAll):
                    if let reason { XCTAssertEqual(ProcessText.printable(reason), reason, "a reason reaches the screen neutralised") }
                default: XCTAssertEqual(got, want)
                }
            }
            for line in taken.refused { XCTAssertEqual(ProcessText.printable(line), line, "the log line names the file neutralised") }
            for line in taken.refused where line.contains("bytes, no request") { XCTAssertTrue(line.hasSuffix("removed unread"), line) }
        }
    }
}
