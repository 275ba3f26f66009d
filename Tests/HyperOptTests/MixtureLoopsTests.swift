import Foundation
import XCTest
import TestSupport
@testable import HyperOpt
import ParzenKernels
import ParzenKernelsAVX2

/// The mixture loops are built twice (for any CPU, and for CPUs with AVX2): both builds must give
/// the same bits, and the AVX2 build must not lend its code to the rest of the program.
final class MixtureLoopsTests: XCTestCase {
    private func requireWide() throws {
        guard MixtureLoops.wideAvailable else {
            throw XCTSkip("this CPU lacks AVX2/FMA/BMI2: the AVX2 build cannot run here, test skipped")
        }
    }

    func testBothBuildsGiveTheSameBits() throws {
        try requireWide()
        var g = SeededGenerator(seed: 5)
        for trial in 0..<200 {
            let dims = 1 + trial % 5, kernels = 1 + Int(g.unit() * 300), stride = kernels + 3
            let categorical = (0..<dims).map { $0 % 3 == 1 }
            var mu = [Double](repeating: 0, count: dims * stride), inverse = mu
            for j in 0..<dims {
                for k in 0..<kernels {
                    mu[j * stride + k] = categorical[j] ? Double(Int(g.unit() * 4)) : g.unit() * 10 - 5
                    inverse[j * stride + k] = 1 / (0.01 + g.unit())
                }
            }
            let base = (0..<kernels).map { _ in -3 * g.unit() - 2 }
            let hit = (0..<dims).map { _ in -g.unit() }, miss = hit.map { $0 - 5 }, uniform = hit.map { _ in -log(4.0) }
            let point = (0..<dims).map { j in categorical[j] ? Double(Int(g.unit() * 4)) : g.unit() * 10 - 5 }
            let lo = Int(g.unit() * Double(kernels)), hi = lo + Int(g.unit() * Double(kernels - lo + 1))
            var plain = [Double](repeating: .nan, count: kernels), wide = plain
            let (a, b) = (evaluate(ParzenKernels.mixtureTerms, lo, hi, dims, stride, kernels - 1, categorical, hit, miss,
                                   uniform, point, &plain, mu, inverse, base),
                          evaluate(ParzenKernelsAVX2.mixtureTerms, lo, hi, dims, stride, kernels - 1, categorical, hit,
                                   miss, uniform, point, &wide, mu, inverse, base))
            XCTAssertEqual(a.bitPattern, b.bitPattern, "largest term, trial \(trial)")
            XCTAssertEqual(plain.map(\.bitPattern), wide.map(\.bitPattern), "terms, trial \(trial)")
            let extra = trial % 2 == 0 ? -Double.infinity : -4.0
            let sumPlain = plain.withUnsafeMutableBufferPointer {
                ParzenKernels.logSumExp($0.baseAddress! + lo, count: hi - lo, extra: extra, largest: a, cutoff: 32)
            }
            let sumWide = wide.withUnsafeMutableBufferPointer {
                ParzenKernelsAVX2.logSumExp($0.baseAddress! + lo, count: hi - lo, extra: extra, largest: b, cutoff: 32)
            }
            XCTAssertEqual(sumPlain.bitPattern, sumWide.bitPattern, "log-sum-exp, trial \(trial)")
        }
        var x = SIMD4<Double>(-700, -3.25, 0.5, 709)
        for _ in 0..<1000 {
            XCTAssertEqual(ParzenKernels.fastExp(x), ParzenKernelsAVX2.fastExp(x))
            x = SIMD4(g.unit() * 80 - 70, g.unit() * 2 - 1, g.unit() * 1400 - 700, g.unit() * 10)
        }
    }

    private typealias Terms = (Int, Int, Int, Int, Int, UnsafePointer<Bool>, UnsafePointer<Double>, UnsafePointer<Double>,
                               UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>,
                               UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>) -> Double

    private func evaluate(_ f: Terms, _ lo: Int, _ hi: Int, _ dims: Int, _ stride: Int, _ prior: Int, _ categorical: [Bool],
                          _ hit: [Double], _ miss: [Double], _ uniform: [Double], _ point: [Double], _ out: inout [Double],
                          _ mu: [Double], _ inverse: [Double], _ base: [Double]) -> Double {
        out.withUnsafeMutableBufferPointer { out in
            f(lo, hi, dims, stride, prior, categorical, hit, miss, uniform, point, out.baseAddress!, mu, inverse, base)
        }
    }

    func testTheSamplerProposesTheSameWithEitherBuild() throws {
        try requireWide()
        let space = SearchSpace([
            Parameter(name: "x", distribution: .float(low: -5, high: 5, log: false, step: nil)),
            Parameter(name: "lr", distribution: .float(low: 1e-5, high: 1, log: true, step: nil)),
            Parameter(name: "c", distribution: .categorical(choices: ["a", "b", "c"].map(ParamValue.string))),
        ])
        let objective: (Params) -> Double = { p in
            let x = number(p, "x") - 1, y = log10(number(p, "lr")) + 3
            return x * x + y * y + (p["c"] == .string("b") ? 0 : 1)
        }
        var proposals: [[Params]] = []
        for loops in [MixtureLoops.plain, .wide] {
            let history = runStudy(TPESampler(options: TPEOptions(), loops: loops), space: space, seed: 3, trials: 150,
                                   objective: objective)
            proposals.append(history.map(\.params))
        }
        XCTAssertEqual(proposals[0], proposals[1])
    }

    /// The build is a value chosen once for the process and handed to each sampler, not a switch
    /// that someone flips: a sampler runs the build it was made with.
    func testTheBuildIsChosenOnceAndHandedToEachSampler() {
        let plainAsked = ProcessInfo.processInfo.environment["HYPERTOP_SIMD"] == "plain"
        XCTAssertEqual(MixtureLoops.detected, MixtureLoops.wideAvailable && !plainAsked ? .wide : .plain)
        XCTAssertEqual(TPESampler().loops, MixtureLoops.detected)
        XCTAssertEqual(TPESampler(options: TPEOptions(), loops: .plain).loops, .plain)
    }

    func testTheAVX2BuildDefinesNoCodeOthersCouldShare() throws {
        // A generic specialisation or other weak definition in the AVX2 build could be chosen by
        // the linker for every caller, AVX2 or not: only its own functions may be defined there.
        // The tests' bundle is the build directory's file (Linux) or folder (macOS).
        let bundle = Bundle(for: Self.self).bundleURL
        let objects = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("ParzenKernelsAVX2.build") }
            .first { FileManager.default.fileExists(atPath: $0.path) } ?? bundle.appendingPathComponent("ParzenKernelsAVX2.build")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: objects.path))?.filter { $0.hasSuffix(".o") } ?? []
        guard !files.isEmpty else { throw missingTool("no object files at \(objects.path)") }
        guard let nm = ["/usr/bin/nm", "/bin/nm"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw missingTool("nm (binutils) not found")
        }
        var functions = 0
        for file in files {
            let result = try runNM(nm, objects.appendingPathComponent(file).path)
            for line in result.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 3 else { continue } // undefined symbols and file headers
                let (kind, name) = (fields[1], fields[2])
                switch kind {
                case "T", "t":
                    XCTAssertTrue(name.hasPrefix("$s17ParzenKernelsAVX2"), "\(file) defines \(name)")
                    functions += 1
                case "r", "d", "b":
                    continue
                case "V" where name == "__swift_reflection_version":
                    continue
                default:
                    XCTFail("\(file) defines \(name) (\(kind)): code or data the linker could share")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(functions, 2)
    }

    private func runNM(_ nm: String, _ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nm)
        process.arguments = [path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
