import CursesTerminal
import DashboardCore
import Foundation
import HyperOpt

// dashboard-bench            render time per frame at 120x40 for 10, 1,000 and 10,000 trials
// dashboard-bench usage      a frame with the resource columns at 64 and 1,000 running trials
// dashboard-bench live [--trials N] [--refresh S] [--idle] [--watch]
//                            the real runner in this terminal on a synthetic sweep; prints the
//                            exit and the CPU time used when it ends (for idle-CPU checks)

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

func milliseconds(_ body: () -> Void) -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
}

func benchRender() {
    let size = Size(width: 120, height: 40)
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    print("render of the main screen at 120x40 (median of many frames)")
    var viewFrames: [(Int, [String])] = []
    var refreshes: [(Int, Double)] = []
    print("trials   metric rows   setup ms   frame ms   detail ms   key+frame ms   metrics batch   end batch ms")
    for total in [10, 1_000, 10_000] {
        let study = SyntheticStudy(start: start, epochs: 20, maxTrials: total + 10)
        var state = DashboardState(now: start, size: size)
        let events = study.events(total: total, running: min(4, total))
        let setup = milliseconds { _ = update(&state, .events(events)) }
        _ = update(&state, .tick(start.addingTimeInterval(Double(total) * 15)))
        let frames = total >= 10_000 ? 200 : 500
        var times: [Double] = []
        var sink = 0
        for _ in 0..<frames { times.append(milliseconds { sink &+= render(state, size: size).width }) }
        // A key press as the runner handles it: update, then a whole frame.
        var keyTimes: [Double] = []
        for i in 0..<frames {
            keyTimes.append(milliseconds {
                _ = update(&state, .key(i % 2 == 0 ? .down : .up))
                sink &+= render(state, size: size).width
            })
        }
        var detail = state
        _ = update(&detail, .key(.enter))
        var detailTimes: [Double] = []
        for _ in 0..<frames { detailTimes.append(milliseconds { sink &+= render(detail, size: size).width }) }
        // One refresh's worth of engine events: new metrics for the running trials; then the same
        // with a trial ending and one starting (re-sort, re-count, per-parameter summaries).
        var metricTimes: [Double] = []
        var endTimes: [Double] = []
        for k in 0..<20 {
            let batch: [EngineEvent] = (0..<min(4, total)).map { study.metrics(total - 1 - $0, epochs: 15..<16) }
            metricTimes.append(milliseconds { _ = update(&state, .events(batch)) })
            let ending = batch + [study.finished(total - 1 - k % 4), .launched(study.launch(total + k))]
            endTimes.append(milliseconds { _ = update(&state, .events(ending)) })
        }
        let rows = state.study.trials.reduce(0) { $0 + $1.metrics.count }
        print(String(format: "%6d   %11d   %8.1f   %8.3f   %9.3f   %12.3f   %13.3f   %11.3f", total, rows, setup, median(times),
                     median(detailTimes), median(keyTimes), median(metricTimes), median(endTimes)))
        // Every analysis view, a whole frame each.
        var viewCells: [String] = []
        for view in AnalysisView.allCases {
            var v = state
            _ = update(&v, .key(.char(view.key)))
            var viewTimes: [Double] = []
            for _ in 0..<frames { viewTimes.append(milliseconds { sink &+= render(v, size: size).width }) }
            viewCells.append(String(format: "%@ %.3f", view.rawValue, median(viewTimes)))
        }
        viewFrames.append((total, viewCells))
        // The tick after trials ended remakes the summaries (importance, history, timeline, ranks).
        var refreshTimes: [Double] = []
        for k in 0..<5 {
            _ = update(&state, .events([study.finished(total - 1 - k % 4), .launched(study.launch(total + 20 + k))]))
            refreshTimes.append(milliseconds { _ = update(&state, .tick(start.addingTimeInterval(Double(total) * 15 + Double(k)))) })
        }
        refreshes.append((total, median(refreshTimes)))
        if arguments.contains("--parts") {
            let st = state.study
            print(String(format: "  parts at %d: importance %.2f  history %.2f  timeline %.2f  ranked %.2f  summaries %.2f ms", total,
                         milliseconds { _ = st.importances }, milliseconds { _ = StudyHistory(st) }, milliseconds { _ = SlotTimeline(st) },
                         milliseconds { _ = RankedTrials(st) }, milliseconds { _ = ParamSummary.compute(st) }))
        }
        if sink == 42 { print("") }
    }
    print("")
    print("analysis views at 120x40: median frame ms")
    for (total, cells) in viewFrames { print(String(format: "%6d   ", total) + cells.joined(separator: "   ")) }
    print("")
    print("summaries remade (importance, history, timeline, ranks, per-parameter) after trials end: median ms")
    print("(under \(DashboardState.deferredSummaryThreshold) trials in the end batch itself, from there on once on the next tick)")
    for (total, ms) in refreshes { print(String(format: "%6d   %.3f", total, ms)) }
}

/// A frame with the resource columns (cpu%, mem, gpu) and the machine's meters while 1,000 trials
/// run (issue 29: under 5 ms), the cost of applying one measurement of them all, and the same
/// frame sorted by memory.
func benchUsage() {
    let size = Size(width: 120, height: 40)
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    print("resource columns at 120x40: median ms")
    print("running trials   usage event ms   frame ms   frame sorted by memory ms")
    for total in [64, 1_000] {
        let study = SyntheticStudy(start: start, epochs: 20, maxTrials: total + 10)
        var state = DashboardState(now: start, size: size)
        _ = update(&state, .events(study.events(total: total, running: total)))
        let mib: UInt64 = 1 << 20
        func sample(_ k: Int) -> EngineEvent {
            var trials: [Int: TrialUsage] = [:]
            for n in 0..<total {
                let rss = UInt64(300 + (n * 37 + k) % 900) * mib
                trials[n] = TrialUsage(cpuPercent: Double((n * 13 + k) % 100), cpuSeconds: Double(k), rssBytes: rss, peakRSSBytes: rss,
                                       threads: 8, processes: 2, gpuBytes: 2000 * mib, peakGPUBytes: 2000 * mib, gpuPercent: 40)
            }
            let machine = MachineUsage(cpuPercent: 70, cpus: 64, memoryUsed: 200_000 * mib, memoryTotal: 500_000 * mib,
                                       gpus: (0..<8).map { GPUUse(index: $0, name: "H100", utilization: 50, memoryUsed: 40_000 * mib, memoryTotal: 80_000 * mib) })
            return .usage(UsageSample(at: start.addingTimeInterval(Double(total) * 15 + Double(k)), machine: machine, trials: trials))
        }
        var eventTimes: [Double] = []
        for k in 0..<20 {
            let e = sample(k)
            eventTimes.append(milliseconds { _ = update(&state, .event(e)) })
        }
        _ = update(&state, .tick(start.addingTimeInterval(Double(total) * 15 + 20)))
        var sink = 0
        var frames: [Double] = []
        for _ in 0..<300 { frames.append(milliseconds { sink &+= render(state, size: size).width }) }
        while state.sort != .memory { _ = update(&state, .key(.char("o"))) }
        var sorted: [Double] = []
        for k in 0..<300 {
            if k % 30 == 0 { _ = update(&state, .event(sample(100 + k))) }
            sorted.append(milliseconds { sink &+= render(state, size: size).width })
        }
        print(String(format: "%14d   %14.3f   %8.3f   %25.3f", total, median(eventTimes), median(frames), median(sorted)))
        if sink == 42 { print("") }
    }
}

func runLive() async {
    let total = Int(option("--trials") ?? "") ?? 24
    let refresh = Double(option("--refresh") ?? "") ?? 1
    let idle = arguments.contains("--idle")
    let study = SyntheticStudy(start: Date().addingTimeInterval(-Double(total) * 15 - 60), epochs: 20, maxTrials: total + 20)
    var initial = Study()
    for e in study.events(total: total, running: min(4, total)) { initial.apply(e) }
    let state = DashboardState(study: initial, mode: arguments.contains("--watch") ? .watch : .live, now: Date())
    let (events, sink) = AsyncStream<EngineEvent>.makeStream()
    let engine = DemoEngine(study: study, sink: sink, next: total)
    if !idle { Task { await engine.run() } }
    let cpu0 = cpuSeconds(), wall0 = Date()
    do {
        let exit = try await DashboardRunner.run(state, events: events, refreshSeconds: refresh) { effect in
            await engine.perform(effect)
            return nil
        }
        let cpu = cpuSeconds() - cpu0, wall = Date().timeIntervalSince(wall0)
        print("exit: \(exit)")
        print("effects: \(await engine.performed)")
        print(String(format: "cpu %.3f s over %.1f s wall = %.2f%% of a core", cpu, wall, 100 * cpu / wall))
    } catch {
        print("error: \(error)")
    }
}

/// Plays the engine's part: new epochs for the running trials, trials ending and starting, and
/// the phase changes the real engine reports after the stop or pause file changes.
actor DemoEngine {
    let study: SyntheticStudy
    let sink: AsyncStream<EngineEvent>.Continuation
    var next: Int
    var running: [Int: Int] = [:]
    var phase = StudyPhase.running
    var performed: [DashboardEffect] = []

    init(study: SyntheticStudy, sink: AsyncStream<EngineEvent>.Continuation, next: Int) {
        self.study = study
        self.sink = sink
        self.next = next
        for i in max(0, next - 4)..<next { running[i] = 1 + i % (study.epochs - 1) }
    }

    func perform(_ effect: DashboardEffect) {
        performed.append(effect)
        switch effect {
        case .command(.toggleStop):
            phase = phase == .stopping ? .running : .stopping
            sink.yield(.phase(phase, reason: phase == .stopping ? "stop file deleted" : "stop file re-created"))
        case .command(.togglePause):
            phase = phase == .paused ? .running : .paused
            sink.yield(.phase(phase, reason: phase == .paused ? "pause file created" : "pause file removed"))
        case .command(.kill(let n, _)):
            end(n, killed: true)
        case .command(.killAll):
            for n in running.keys.sorted() { end(n, killed: true) }
        default:
            break
        }
    }

    private func end(_ n: Int, killed: Bool) {
        guard running.removeValue(forKey: n) != nil else { return }
        if killed {
            sink.yield(.finished(TrialOutcome(number: n, state: .failed, score: nil, reason: "killed from the dashboard",
                                              exitStatus: nil, signal: 15, endedAt: Date())))
        } else {
            sink.yield(study.finished(n))
        }
    }

    func run() async {
        while next < study.maxTrials || !running.isEmpty {
            try? await Task.sleep(nanoseconds: 500_000_000)
            for (n, epoch) in running.sorted(by: { $0.key < $1.key }) {
                sink.yield(study.metrics(n, epochs: epoch..<(epoch + 1)))
                sink.yield(.output(trial: n, stream: .stdout, lines: ["| eval/success_rate | \(String(format: "%.3f", study.value(n, epoch))) |"]))
                running[n] = epoch + 1
                if epoch + 1 >= study.epochs { end(n, killed: false) }
            }
            while running.count < 4, next < study.maxTrials, phase == .running {
                var launch = study.launch(next)
                launch.startedAt = Date()
                sink.yield(.launched(launch))
                running[next] = 0
                next += 1
            }
        }
        sink.yield(.phase(.done, reason: "max_trials reached"))
        sink.finish()
    }
}

if arguments.first == "live" {
    await runLive()
} else if arguments.first == "usage" {
    benchUsage()
} else {
    benchRender()
}
