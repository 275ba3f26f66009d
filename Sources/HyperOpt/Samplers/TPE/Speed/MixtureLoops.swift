import Foundation
import ParzenKernels
import ParzenKernelsAVX2

/// Which build of the mixture loops (`ParzenKernels`) a TPE sampler runs: the one compiled for
/// AVX2 and FMA, or the plain one. Both give the same bits (`MixtureLoopsTests`); the wide one is
/// about twice as fast. The build is chosen once per process (`detected`) and handed to each
/// sampler, which hands it on to every evaluation of its mixtures.
enum MixtureLoops: Sendable, Hashable {
    case plain, wide

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

    /// This process's build: the wide one where the CPU runs it, unless `HYPERTOP_SIMD=plain` in
    /// the environment forces the plain one.
    static let detected: MixtureLoops =
        wideAvailable && ProcessInfo.processInfo.environment["HYPERTOP_SIMD"] != "plain" ? .wide : .plain

    /// `mixtureTerms` of this build.
    @inline(__always)
    func terms(_ lo: Int, _ hi: Int, dims: Int, stride: Int, prior: Int, categorical: UnsafePointer<Bool>,
               logHit: UnsafePointer<Double>, logMiss: UnsafePointer<Double>, logUniform: UnsafePointer<Double>,
               point: UnsafePointer<Double>, terms: UnsafeMutablePointer<Double>, mu: UnsafePointer<Double>,
               inverse: UnsafePointer<Double>, base: UnsafePointer<Double>) -> Double {
        switch self {
        case .wide:
            return ParzenKernelsAVX2.mixtureTerms(lo, hi, dims: dims, stride: stride, prior: prior, categorical: categorical,
                                                  logHit: logHit, logMiss: logMiss, logUniform: logUniform, point: point,
                                                  terms: terms, mu: mu, inverse: inverse, base: base)
        case .plain:
            return ParzenKernels.mixtureTerms(lo, hi, dims: dims, stride: stride, prior: prior, categorical: categorical,
                                              logHit: logHit, logMiss: logMiss, logUniform: logUniform, point: point,
                                              terms: terms, mu: mu, inverse: inverse, base: base)
        }
    }

    /// `logSumExp` of this build.
    @inline(__always)
    func logSumExp(_ p: UnsafeMutablePointer<Double>, count: Int, extra: Double, largest: Double, cutoff: Double) -> Double {
        switch self {
        case .wide: return ParzenKernelsAVX2.logSumExp(p, count: count, extra: extra, largest: largest, cutoff: cutoff)
        case .plain: return ParzenKernels.logSumExp(p, count: count, extra: extra, largest: largest, cutoff: cutoff)
        }
    }
}
