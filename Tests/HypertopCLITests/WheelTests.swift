import Foundation
import TestSupport
import XCTest

/// The wheel `scripts/wheel.sh` built (scripts/test.sh builds it before the tests), installed into
/// a fresh virtual environment and run with `env -i`: no Swift toolchain, no variable of this
/// process, only the environment's `bin` and the system's on PATH.
final class WheelTests: XCTestCase {
    static var wheel: String? {
        let dist = SweepProject.packageRoot.appendingPathComponent("dist").path
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: dist)) ?? [])
            .filter { $0.hasPrefix("hypertop-") && $0.contains("manylinux") && $0.hasSuffix(".whl") }.sorted()
        return wheels.last.map { dist + "/" + $0 }
    }

    var root: String!
    var venv: String { root + "/venv" }

    override func setUpWithError() throws {
        guard let wheel = Self.wheel else { throw missingTool("no wheel in dist/ (scripts/wheel.sh builds it; scripts/test.sh runs that)") }
        root = NSTemporaryDirectory() + "wheel-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let made = try runProgram("/usr/bin/python3", ["-m", "venv", venv])
        XCTAssertEqual(made.status, 0, made.stderr)
        let installed = try runProgram(venv + "/bin/pip", ["install", "-q", "--no-deps", wheel])
        XCTAssertEqual(installed.status, 0, installed.stderr)
    }

    override func tearDownWithError() throws {
        if let root { try? FileManager.default.removeItem(atPath: root) }
    }

    /// `env -i PATH=<venv>/bin:/usr/bin:/bin HOME=<root> ARGS`, in `directory`.
    func clean(_ args: [String], in directory: String? = nil, extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProgram("/usr/bin/env", ["-i", "PATH=\(venv)/bin:/usr/bin:/bin", "HOME=\(root!)", "LANG=C.UTF-8"] + extra + args,
                       in: directory.map { URL(fileURLWithPath: $0) })
    }

    func testTheInstalledBinaryRunsWithoutTheToolchainAndLinksNoSwiftLibrary() throws {
        let ldd = try runProgram("/usr/bin/ldd", [venv + "/bin/hypertop"])
        XCTAssertEqual(ldd.status, 0)
        for library in ["libswift", "libFoundation", "libicu", "libncurses", "libtinfo", "libsqlite"] {
            XCTAssertFalse(ldd.stdout.contains(library), "\(library) is linked dynamically:\n\(ldd.stdout)")
        }
        let help = try clean(["hypertop", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("SUBCOMMANDS:") && help.stdout.contains("demo"), help.stdout)
        let module = try clean(["python", "-m", "hypertop", "--help"])
        XCTAssertEqual(module.status, 0, module.stderr)
        XCTAssertEqual(module.stdout, help.stdout, "python -m hypertop runs the same program")
        let version = try clean(["python", "-c", "import hypertop; print(hypertop.__version__)"])
        XCTAssertEqual(version.stdout, try clean(["hypertop", "--version"]).stdout, version.stderr)
    }

    func testTheDemoRunsHeadlessToItsEnd() throws {
        let r = try clean(["hypertop", "demo", "--headless", "--dir", root + "/demo", "--", "hydra.sweeper.max_trials=2"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Demo in \(root!)/demo\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trials: 2 (2 COMPLETE)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Job: \(venv)/bin/reach-trainer"), "the bundled job, found next to hypertop:\n\(r.stdout)")
    }

    func testTheLiveDashboardRunsUnderTmux() throws {
        guard TmuxPane.available else { throw missingTool("tmux is not installed (apt-get install tmux)") }
        let pane = TmuxPane(prefix: "hypertop-wheel")
        try pane.start("env -i PATH=\(venv)/bin:/usr/bin:/bin HOME=\(root!) LANG=C.UTF-8 TERM=xterm-256color hypertop demo --dir \(root!)/live -- hydra.sweeper.max_trials=2; echo EXITED=$?; sleep 60")
        var (found, screen) = try pane.waitFor("cpu%", seconds: 20)
        XCTAssertTrue(found, screen)
        XCTAssertTrue(screen.contains("sac_her_Reach3D"), screen)
        // The study's end (a trial's row says DONE long before).
        (found, screen) = try pane.waitFor("study done: q quits", seconds: 90)
        XCTAssertTrue(found, screen)
        try pane.keys("q")
        (found, screen) = try pane.waitFor("EXITED=0", seconds: 15)
        XCTAssertTrue(found, screen)
    }

    /// A Scilab-shaped Hydra app, with hydra-core installed into the same environment: its
    /// Python imports the installed `hypertop_hydra`, so the study writes no copy of its own.
    func testAHydraAppSweepsWithTheInstalledCallback() throws {
        let hydra = try runProgram(venv + "/bin/pip", ["install", "-q", "hydra-core"])
        guard hydra.status == 0 else { throw missingTool("cannot install hydra-core into the fresh environment: \(hydra.stderr)") }
        let imported = try clean(["python", "-c", "import hypertop_hydra; print(hypertop_hydra.ReturnValue.__name__)"])
        XCTAssertEqual(imported.stdout, "ReturnValue\n", imported.stderr)
        let project = root + "/toy"
        let app = SweepProject.packageRoot.appendingPathComponent("Tests/Fixtures/HydraApps/scilab_toy").path
        XCTAssertEqual(try runProgram("/bin/cp", ["-r", app, project]).status, 0)
        let r = try clean(["hypertop", "run", "--headless", "conf/performance/Toy/sac-opti.yaml", "hydra.sweeper.max_trials=2", "return_score=true"], in: project)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("The Hydra callback is the installed hypertop_hydra (\(venv)/lib/"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trials: 2 (2 COMPLETE)"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/data/sac_Toy/.hypertop"), "no copy of the callback was written")
        // The value each trial's app returned was read through the installed callback.
        for n in 0..<2 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/data/sac_Toy/\(n)/returned.json"), "trial \(n)")
        }
    }
}
