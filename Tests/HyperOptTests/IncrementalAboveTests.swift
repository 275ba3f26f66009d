import XCTest
@testable import HyperOpt

/// The above side's kernel set edited from one ask to the next must hold exactly what a new build
/// holds, bit for bit.
final class IncrementalAboveTests: XCTestCase {
    let options = ParzenEstimator.Options(priorWeight: 1, considerMagicClip: true, considerEndpoints: false)
    let distributions: [Distribution] = [
        .float(low: -5, high: 5, log: false, step: nil),
        .categorical(choices: ["a", "b", "c"].map(ParamValue.string)),
        .float(low: 1e-4, high: 1, log: true, step: nil),
        .int(low: 1, high: 64, log: true, step: 1),
        .float(low: 0, high: 1, log: false, step: 0.125),
    ]

    /// `count` random rows of internal values, with a few exact ties along every numeric dim.
    private func table(_ domains: [ParameterDomain], count: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        var rows: [Double] = []
        for i in 0..<count {
            for (j, d) in domains.enumerated() {
                if i % 17 == 5 && i > 20 {
                    rows.append(rows[(i - 20) * domains.count + j]) // an exact tie with an older row
                } else {
                    rows.append(d.internalValue(d.distribution.sampleUniform(using: &g)) ?? .nan)
                }
            }
        }
        return rows
    }

    private func assertSame(_ a: KernelSet, _ b: KernelSet, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        guard a.count == b.count else { return }
        XCTAssertEqual(a.observation, b.observation, "observation order, " + message, file: file, line: line)
        XCTAssertTrue(a.axisWidth.map(\.bitPattern) == b.axisWidth.map(\.bitPattern), "axis widths, " + message,
                      file: file, line: line)
        /// The first slot where two rows differ (bitwise), if any.
        func firstDifference(_ x: [Double], _ y: [Double], _ j: Int) -> Int? {
            (0...a.count).first { x[j * a.stride + $0].bitPattern != y[j * b.stride + $0].bitPattern }
        }
        for j in 0..<a.dims {
            var arrays = [("mu", a.mu, b.mu), ("invSigma", a.invSigma, b.invSigma)]
            switch a.kinds[j] {
            case .continuous: arrays.append(("second", a.second, b.second))
            case .discrete: arrays += [("logSigma", a.logSigma, b.logSigma), ("logZ", a.logZ, b.logZ)]
            case .categorical: break
            }
            for (name, x, y) in arrays {
                XCTAssertNil(firstDifference(x, y, j), "\(name) of dim \(j) differs at that slot, " + message,
                             file: file, line: line)
            }
        }
    }

    func testEditedKernelsEqualANewBuildBitForBit() {
        let domains = distributions.map(ParameterDomain.init)
        let d = domains.count
        let rows = table(domains, count: 400, seed: 3)
        func built(_ above: [Int]) -> KernelSet {
            var spare = KernelSet.Buffers()
            return KernelSet(domains: domains, table: ObservationTable(values: rows, stride: d, indices: above, columns: Array(0..<d)),
                             options: options, spare: &spare)
        }
        var above = Array(0..<150)
        var state = IncrementalAbove(kernels: built(above), table: ObservationTable(values: rows, stride: d, indices: above,
                                                                                  columns: Array(0..<d)),
                                   completedRows: 400, options: options, generation: 1)
        var g = SeededGenerator(seed: 9)
        var next = 150
        var spliced = 0
        for step in 0..<120 {
            // Mostly the newest row joins; sometimes an older one comes back, leaves, or several change at once.
            switch step % 6 {
            case 0, 1, 2: above.append(next); next += 1
            case 3:
                let back = (0..<next).filter { !above.contains($0) }
                if let r = back.randomElement(using: &g) { above.append(r); above.sort() }
                above.append(next); next += 1
            case 4: above.remove(at: Int(g.unit() * Double(above.count)))
            default:
                for _ in 0..<3 { above.remove(at: Int(g.unit() * Double(above.count))) }
                above.append(contentsOf: next..<(next + 2)); next += 2
            }
            let table = ObservationTable(values: rows, stride: d, indices: above, columns: Array(0..<d))
            if state.splice(to: table, completedRows: 400, domains: domains, options: options, generation: 1) {
                spliced += 1
            } else {
                state = IncrementalAbove(kernels: built(above), table: table, completedRows: 400, options: options, generation: 1)
            }
            assertSame(state.kernels, built(above), "step \(step)")
            // The mixture on top of it too.
            let weights = TPESampler.weights(above.count)
            var spare = ParzenEstimator.Buffers()
            let a = ParzenEstimator(kernels: state.kernels, weights: weights, options: options, spare: &spare)
            let b = ParzenEstimator(kernels: built(above), weights: weights, options: options, spare: &spare)
            XCTAssertTrue(a.base.map(\.bitPattern) == b.base.map(\.bitPattern), "step \(step)")
            XCTAssertTrue(a.weight.map(\.bitPattern) == b.weight.map(\.bitPattern), "step \(step)")
            XCTAssertEqual(a.maxBase.bitPattern, b.maxBase.bitPattern)
            XCTAssertEqual(a.axisMaxSigma.bitPattern, b.axisMaxSigma.bitPattern)
        }
        // It must really have been edited, not built again each time.
        XCTAssertGreaterThan(spliced, 100)
    }

    func testRunningSetsAreEditedInToo() {
        // The constant liar's running sets come after the completed rows, so their rows move on
        // every ask; they keep their kernels anyway, also when the same set runs twice at once.
        let domains = distributions.map(ParameterDomain.init)
        let d = domains.count
        let pool = table(domains, count: 400, seed: 6)
        var completed = Array(0..<150), running = [150, 151, 151], next = 152
        func current() -> (ObservationTable, Int) {
            let values = (completed + running).flatMap { pool[$0 * d..<($0 + 1) * d] }
            let n = completed.count + running.count
            // The below side keeps a few completed rows out of the above side.
            let above = (0..<n).filter { $0 >= completed.count || $0 % 11 != 3 }
            return (ObservationTable(values: values, stride: d, indices: above, columns: Array(0..<d)), completed.count)
        }
        func built(_ t: ObservationTable) -> KernelSet {
            var spare = KernelSet.Buffers()
            return KernelSet(domains: domains, table: t, options: options, spare: &spare)
        }
        var (t, c) = current()
        var state = IncrementalAbove(kernels: built(t), table: t, completedRows: c, options: options, generation: 1)
        var spliced = 0
        for step in 0..<60 {
            // The oldest running set completes; another starts (every third step the newest again).
            completed.append(running.removeFirst())
            if step % 3 == 0, let newest = running.last {
                running.append(newest)
            } else {
                running.append(next)
                next += 1
            }
            (t, c) = current()
            if state.splice(to: t, completedRows: c, domains: domains, options: options, generation: 1) {
                spliced += 1
            } else {
                state = IncrementalAbove(kernels: built(t), table: t, completedRows: c, options: options, generation: 1)
            }
            assertSame(state.kernels, built(t), "step \(step)")
        }
        XCTAssertGreaterThan(spliced, 50)
    }

    func testRefusesWhatItCannotEdit() {
        let domains = distributions.map(ParameterDomain.init)
        let d = domains.count
        let rows = table(domains, count: 300, seed: 4)
        let start = Array(0..<150)
        func fresh() -> IncrementalAbove {
            var spare = KernelSet.Buffers()
            let t = ObservationTable(values: rows, stride: d, indices: start, columns: Array(0..<d))
            return IncrementalAbove(kernels: KernelSet(domains: domains, table: t, options: options, spare: &spare), table: t,
                                  completedRows: 300, options: options, generation: 1)
        }
        func of(_ above: [Int]) -> ObservationTable {
            ObservationTable(values: rows, stride: d, indices: above, columns: Array(0..<d))
        }
        var s = fresh()
        XCTAssertFalse(s.splice(to: of(start + [150]), completedRows: 300, domains: domains, options: options, generation: 2), "history changed")
        s = fresh()
        var other = options
        other.priorWeight = 2
        XCTAssertFalse(s.splice(to: of(start + [150]), completedRows: 300, domains: domains, options: other, generation: 1), "options changed")
        s = fresh()
        XCTAssertFalse(s.splice(to: of(start + Array(150..<170)), completedRows: 300, domains: domains, options: options, generation: 1),
                       "too many at once")
        s = fresh()
        let narrower = [ParameterDomain(.float(low: -4, high: 5, log: false, step: nil))] + domains.dropFirst()
        XCTAssertFalse(s.splice(to: of(start + [150]), completedRows: 300, domains: narrower, options: options, generation: 1), "space changed")
        s = fresh()
        XCTAssertFalse(s.splice(to: of([151, 150] + start), completedRows: 300, domains: domains, options: options, generation: 1),
                       "rows out of order")
        s = fresh()
        let few = Array(0..<40)
        var spare = KernelSet.Buffers()
        var small = IncrementalAbove(kernels: KernelSet(domains: domains, table: of(few), options: options, spare: &spare),
                                   table: of(few), completedRows: 300, options: options, generation: 1)
        XCTAssertFalse(small.splice(to: of(few + [40]), completedRows: 300, domains: domains, options: options, generation: 1),
                       "the clip of the widths changes with the count below 98")
        XCTAssertTrue(s.splice(to: of(start + [150]), completedRows: 300, domains: domains, options: options, generation: 1))
    }

    func testDifferenceOfAscendingLists() {
        XCTAssertEqual(IncrementalAbove.difference(from: [1, 2, 3], to: [1, 2, 3])?.inserted, [])
        let d = IncrementalAbove.difference(from: [1, 2, 4, 6], to: [0, 2, 3, 4, 6, 7])
        XCTAssertEqual(d?.inserted, [0, 3, 7])
        XCTAssertEqual(d?.removed, [1])
        XCTAssertNil(IncrementalAbove.difference(from: [1, 2], to: [2, 1]))
        XCTAssertNil(IncrementalAbove.difference(from: [], to: Array(0..<20)))
    }
}
