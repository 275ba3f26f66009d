import Foundation
import TestSupport
import XCTest

/// What each trial costs the machine, measured by the real engine on real processes: one job
/// holds 120 MB and burns a core for 6 s, half of it in a child process; the other sleeps and is
/// marked idle. Read back in the live dashboard (tmux), its detail, the headless log, the export
/// and the store as Python optuna reads it.
final class TrialUsageTests: XCTestCase {
    var project: SweepProject!
    var pane: TmuxPane!

    override func setUpWithError() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        project = try SweepProject("usage")
        pane = TmuxPane(prefix: "hypertop-usage")
        for v in ["OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES"] { project.environment[v] = nil }
        try project.writeScript("job.sh", """
        #!/bin/sh
        mode=burn
        for a in "$@"; do case "$a" in ++mode=*) mode="${a#++mode=}" ;; esac; done
        if [ "$mode" = sleep ]; then
          sleep 9
        else
          python3 - <<'EOF'
        import subprocess, sys, time
        block = b"x" * (120 << 20)
        burn = "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 3: pass\\n"
        child = subprocess.Popen([sys.executable, "-c", burn])
        exec(burn)
        child.wait()
        time.sleep(2)
        EOF
        fi
        echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
        """)
        try project.write("usage-opti.yaml", SweepFile(studyName: "usage", maxTrials: 2, nJobs: 2, sampler: "grid", seed: 1,
                                                       sweeperKeys: ["idle_after_seconds: 2"], command: ["./job.sh"], passConfig: "none",
                                                       searchSpace: ["++mode: {type: categorical, choices: [burn, sleep]}"]))
    }

    override func tearDownWithError() throws {
        pane = nil
        project?.remove()
    }

    private func expect(_ text: String, seconds: Double, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (found, screen) = try pane.waitFor(text, seconds: seconds)
        XCTAssertTrue(found, "'\(text)' never appeared; the screen:\n\(screen)", file: file, line: line)
        return screen
    }

    /// The table's row of the trial of `mode` on `screen`.
    private func row(_ mode: String, _ screen: String) -> String {
        screen.split(separator: "\n").map(String.init).first { $0.range(of: #"^\s*[0-9]+ [A-Z]+ +\#(mode) "#, options: .regularExpression) != nil } ?? ""
    }

    /// Megabytes in a `130M`/`1.2G` cell of `text`, the first such.
    private func megabytes(in text: String) -> Double? {
        guard let r = text.range(of: #"\b[0-9.]+[MG]\b"#, options: .regularExpression) else { return nil }
        let cell = text[r]
        guard let v = Double(cell.dropLast()) else { return nil }
        return cell.hasSuffix("G") ? v * 1024 : v
    }

    func testABurningJobAndASleepingOneShowWhatTheyCostLiveAndInTheExport() throws {
        try pane.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(SweepProject.binary) run usage-opti.yaml --refresh 1; echo EXITED=$?; sleep 60")
        // The columns and the machine's meters while the trials run; no driver here, so no GPU.
        var screen = try expect("cpu%", seconds: 15)
        XCTAssertTrue(screen.contains("mem"), screen)
        screen = try expect("no GPU", seconds: 5)
        XCTAssertTrue(screen.contains(" cpu["), "the machine's CPU meter:\n\(screen)")
        // The sleeping trial is marked idle once it used nothing for idle_after_seconds (2 s).
        screen = try expect("idle", seconds: 12)
        XCTAssertTrue(row("sleep", screen).contains("idle"), "the sleeping trial:\n\(screen)")
        // The burning trial, live: its memory (120 MB held) and its CPU.
        let (seen, live) = try pane.waitFor("EXITED", seconds: 0.1)
        XCTAssertFalse(seen)
        XCTAssertGreaterThanOrEqual(megabytes(in: row("burn", live)) ?? 0, 100, "the burning trial holds 120 MB:\n\(live)")
        screen = try expect("study done: q quits", seconds: 30)
        // Once ended, the table shows the trial's peak, and its detail the CPU seconds in all.
        XCTAssertGreaterThanOrEqual(megabytes(in: row("burn", screen)) ?? 0, 100, "the burning trial's peak:\n\(screen)")
        // Only the burning trial's row (the filter), then its detail.
        try pane.keys("/", "burn", "Enter")
        _ = try expect("filter \"burn\"", seconds: 5)
        try pane.keys("Enter")
        screen = try expect("CPU s", seconds: 5)
        let seconds = screen.range(of: #"[0-9.]+ CPU s"#, options: .regularExpression).flatMap { Double(screen[$0].split(separator: " ")[0]) }
        XCTAssertGreaterThanOrEqual(seconds ?? 0, 4, "6 s of one core, half of them in a child:\n\(screen)")
        try pane.keys("Escape")
        _ = try expect("score by parameter", seconds: 5)
        try pane.keys("q")
        _ = try expect("EXITED=0", seconds: 10)

        // The export: cpu_seconds, peak_rss_mb and gpu_peak_mb per trial.
        XCTAssertEqual(try project.run(["studies", "--export", "usage"]).status, 0)
        let csv = try String(contentsOfFile: project.path("usage.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0]
        guard let cpu = header.firstIndex(of: "cpu_seconds"), let rss = header.firstIndex(of: "peak_rss_mb"),
              let gpu = header.firstIndex(of: "gpu_peak_mb"), let mode = header.firstIndex(of: "params_++mode") else {
            return XCTFail("columns missing: \(header)")
        }
        let burn = try XCTUnwrap(csv.dropFirst().first { $0[mode] == "burn" })
        let sleep = try XCTUnwrap(csv.dropFirst().first { $0[mode] == "sleep" })
        XCTAssertGreaterThanOrEqual(Double(burn[cpu]) ?? 0, 4, "\(burn)")
        XCTAssertGreaterThanOrEqual(Double(burn[rss]) ?? 0, 100, "\(burn)")
        XCTAssertEqual(burn[gpu], "", "no GPU measured here")
        XCTAssertLessThan(Double(sleep[cpu]) ?? 99, 0.5, "\(sleep)")

        // The store: trial system attributes, as Optuna users read them.
        let read = try runProgram(try optunaPython(), ["-c", """
            import optuna
            s = optuna.load_study(study_name="usage", storage="sqlite:///data/hypertop.db")
            for t in s.trials: print(t.params["++mode"], t.system_attrs["hypertop:cpu_seconds"], t.system_attrs["hypertop:peak_rss_mb"])
            """], in: URL(fileURLWithPath: project.root))
        XCTAssertEqual(read.status, 0, read.stderr)
        let burnLine = read.stdout.split(separator: "\n").first { $0.hasPrefix("burn ") }.map { $0.split(separator: " ") } ?? []
        XCTAssertEqual(burnLine.count, 3, read.stdout)
        XCTAssertGreaterThanOrEqual(burnLine.count == 3 ? Double(burnLine[1]) ?? 0 : 0, 4, read.stdout)
        XCTAssertGreaterThanOrEqual(burnLine.count == 3 ? Double(burnLine[2]) ?? 0 : 0, 100, read.stdout)

        // The study's log says the idle trial once.
        let log = try String(contentsOfFile: project.path("data/usage/hypertop.log"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: " is idle: it has used no CPU and no GPU for ").count, 2, log)
    }

    func testWatchFromAnotherTerminalShowsTheLiveFiguresTheEngineMeasures() throws {
        let engine = try project.start(["run", "--headless", "usage-opti.yaml"])
        XCTAssertTrue(engine.output.waitFor("Launching jobs", timeout: 15), engine.output.text)
        try pane.start("cd \(project.root) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color \(SweepProject.binary) watch data/hypertop.db; echo EXITED; sleep 60")
        var screen = try expect(" cpu[", seconds: 10)
        XCTAssertTrue(screen.contains("no GPU"), screen)
        screen = try expect("idle", seconds: 12)
        XCTAssertTrue(row("sleep", screen).contains("idle"), screen)
        XCTAssertEqual(engine.finish(timeout: 30), 0, engine.output.text)
        // The engine's picture of now is gone with it: the finished study shows no meters.
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/usage/.hypertop-usage.json")))
        screen = try expect("watch DONE", seconds: 10)
        XCTAssertFalse(screen.contains(" cpu["), screen)
        try pane.keys("q")
    }

    func testTheHeadlessLogSaysWhatEachTrialUsed() throws {
        let r = try project.run(["run", "--headless", "usage-opti.yaml"], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(" is idle: it has used no CPU and no GPU for"), r.stdout)
        XCTAssertTrue(r.stdout.range(of: #"COMPLETE: score 1 in [0-9.]+s, [0-9.]+ CPU s, peak 1[0-9][0-9] MB"#, options: .regularExpression) != nil, r.stdout)
        XCTAssertTrue(r.stdout.contains("no GPU"), "the log says GPUs are not measured:\n\(r.stdout)")
    }
}
