import Foundation
import ParzenKernels
import ParzenKernelsAVX2

/// The build of the mixture loops (`ParzenKernels`) that runs here: the one compiled for AVX2
/// and FMA when this CPU has everything that build may use, the plain one otherwise. Both give
/// the same bits (`MixtureLoopsTests`); the wide one is about twice as fast.
///
/// `HYPERTOP_SIMD=plain` in the environment forces the plain build.
enum MixtureLoops {
    /// Whether the AVX2 build can run on this CPU.
    static let wideAvailable: Bool = {
        #if arch(x86_64) && os(Linux)
        // What `-target-cpu haswell` lets the compiler use, by their /proc/cpuinfo names.
        let needed = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "abm"]
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return false }
        let flags = Set(line.split(separator: " ").map(String.init))
        return needed.allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()

    /// Whether the AVX2 build runs (tests switch it to compare the two).
    nonisolated(unsafe) static var wide: Bool =
        wideAvailable && ProcessInfo.processInfo.environment["HYPERTOP_SIMD"] != "plain"

    /// `mixtureTerms` of the chosen build.
    @inline(__always)
    static func terms(_ lo: Int, _ hi: Int, dims: Int, stride: Int, prior: Int, categorical: UnsafePointer<Bool>,
                      logHit: UnsafePointer<Double>, logMiss: UnsafePointer<Double>, logUniform: UnsafePointer<Double>,
                      point: UnsafePointer<Double>, terms: UnsafeMutablePointer<Double>, mu: UnsafePointer<Double>,
                      inverse: UnsafePointer<Double>, base: UnsafePointer<Double>) -> Double {
        wide
            ? ParzenKernelsAVX2.mixtureTerms(lo, hi, dims: dims, stride: stride, prior: prior, categorical: categorical,
                                             logHit: logHit, logMiss: logMiss, logUniform: logUniform, point: point,
                                             terms: terms, mu: mu, inverse: inverse, base: base)
            : ParzenKernels.mixtureTerms(lo, hi, dims: dims, stride: stride, prior: prior, categorical: categorical,
                                         logHit: logHit, logMiss: logMiss, logUniform: logUniform, point: point,
                                         terms: terms, mu: mu, inverse: inverse, base: base)
    }

    /// `logSumExp` of the chosen build.
    @inline(__always)
    static func logSumExp(_ p: UnsafeMutablePointer<Double>, count: Int, extra: Double, largest: Double,
                          cutoff: Double) -> Double {
        wide
            ? ParzenKernelsAVX2.logSumExp(p, count: count, extra: extra, largest: largest, cutoff: cutoff)
            : ParzenKernels.logSumExp(p, count: count, extra: extra, largest: largest, cutoff: cutoff)
    }
}
