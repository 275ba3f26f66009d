import Foundation
import TestSupport
import XCTest

/// Issue 28: scripts that are not Hydra apps, swept from their unchanged W&B sweep files, their
/// metrics read from the files TensorBoard's writer and W&B write (torch, tensorboard and wandb in
/// .venv, W&B offline). The real `hypertop` binary, as a user runs it from the project's root.
final class AnyScriptTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws { project = try SweepProject("anyscript") }

    override func tearDownWithError() throws { project?.remove() }

    /// `hypertop ARGS` in the project with `python`'s directory first on PATH (W&B's
    /// `${interpreter}` is `python`).
    func hypertop(_ args: [String], python: String, environment: [String: String] = [:], timeout: Double = 300) throws -> SweepProject.Output {
        let path = (python as NSString).deletingLastPathComponent + ":" + (project.environment["PATH"] ?? "/usr/bin:/bin")
        return try project.run(args, environment: ["PATH": path, "OMP_NUM_THREADS": "1"].merging(environment) { $1 }, timeout: timeout)
    }

    /// The study's trials as `hypertop studies --export` writes them.
    func exportedTrials(_ study: String, python: String) throws -> [[String: Any]] {
        let r = try hypertop(["studies", "--export", study], python: python, timeout: 60)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: project.path(study + ".json")))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(json["trials"] as? [[String: Any]])
    }

    /// One metric's points in a trial's exported series, in order: (step, value).
    func points(_ trial: [String: Any], _ key: String) -> [[Double]] {
        ((trial["metrics"] as? [[String: Any]]) ?? []).compactMap { row in
            guard let v = (row["values"] as? [String: Any])?[key] as? Double else { return nil }
            return [(row["step"] as? Double) ?? -1, v]
        }
    }

    static let tensorBoardScript = """
        # A CleanRL-shaped script: argparse with dashed names, torch, and TensorBoard only.
        import argparse, time
        import torch
        from torch.utils.tensorboard import SummaryWriter

        p = argparse.ArgumentParser()
        p.add_argument("--learning-rate", type=float, default=3e-4)
        p.add_argument("--num-steps", type=int, default=8)
        p.add_argument("--seed", type=int, default=1)
        args = p.parse_args()
        # Every run writes into one directory, as CleanRL runs that start in the same second do.
        writer = SummaryWriter("runs/shared")
        torch.manual_seed(args.seed)
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=args.learning_rate)
        x = torch.randn(64, 4)
        y = x.sum(1, keepdim=True)
        for update in range(args.num_steps):
            loss = ((model(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            global_step = update * 128
            # Two episodes that ended at one global_step, as CleanRL logs them.
            writer.add_scalar("charts/episodic_return", -loss.item(), global_step)
            writer.add_scalar("charts/episodic_return", -loss.item() + 0.25, global_step)
            writer.add_scalar("losses/value_loss", loss.item(), global_step)
            writer.flush()
            time.sleep(0.4)
        writer.close()
        """

    /// TensorBoard's own reading of an event file: every scalar as (tag, step, value), in order.
    static let readEvents = """
        import json, sys
        from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
        from tensorboard.compat.proto import event_pb2
        out = []
        for raw in RawEventFileLoader(sys.argv[1]).Load():
            e = event_pb2.Event.FromString(raw)
            for v in e.summary.value:
                if v.WhichOneof("value") == "simple_value":
                    out.append([v.tag, e.step, v.simple_value])
        print(json.dumps(out))
        """

    func testAnArgparseScriptLoggingToTensorBoardIsSweptFromItsUnchangedWandbSweepFile() throws {
        let python = try TestSupport.python(in: ".venv", importing: "torch.utils.tensorboard", install: "scripts/install-deps.sh --python")
        _ = try project.write("train.py", Self.tensorBoardScript)
        _ = try project.write("sweep.yaml", """
            program: train.py
            method: random
            metric:
              name: charts/episodic_return
              goal: maximize
            parameters:
              learning-rate:
                distribution: log_uniform_values
                min: 0.001
                max: 0.1
              seed:
                values: [1, 2, 3]
              num-steps:
                value: 8
            early_terminate:
              type: hyperband
              min_iter: 3
            run_cap: 4
            """)
        let check = try hypertop(["check", "sweep.yaml", "--jobs", "2"], python: python, timeout: 60)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("hyperband"), check.stdout)
        XCTAssertTrue(check.stdout.contains("train.py --learning-rate="), check.stdout)

        let r = try hypertop(["run", "--headless", "--seed", "5", "--jobs", "2", "sweep.yaml"], python: python)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 4"), r.stdout)
        // The log (the dashboard's too) says what the W&B keys became.
        XCTAssertTrue(r.stdout.contains("W&B sweep: method random → sampler random; early_terminate → pruner W&B's hyperband"), r.stdout)
        let trials = try exportedTrials("sweep", python: python)
        XCTAssertEqual(trials.count, 4)
        // Two at a time: some trial started before another had ended.
        // Optuna's datetimes (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC) order as their text does.
        let spans = trials.compactMap { t -> (String, String)? in
            guard let s = t["datetime_start"] as? String, let e = t["datetime_complete"] as? String else { return nil }
            return (s, e)
        }
        XCTAssertEqual(spans.count, 4)
        XCTAssertTrue(spans.contains { a in spans.contains { b in a.0 < b.0 && b.0 < a.1 } }, "trials overlapped")

        let files = try FileManager.default.contentsOfDirectory(atPath: project.path("runs/shared")).filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(files.count, 4, "one event file per trial, all in one directory")
        for t in trials {
            let runDir = try XCTUnwrap(t["run_dir"] as? String)
            // The job's process wrote the file that names it (`${env}` execs the interpreter).
            let pid = try String(contentsOfFile: runDir + "/job.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let own = files.filter { $0.split(separator: ".").dropLast().last.map(String.init) == pid }
            XCTAssertEqual(own.count, 1, "trial \(t["number"]!): pid \(pid) in \(files)")
            guard let file = own.first else { continue }
            let read = try runProgram(python, ["-c", Self.readEvents, project.path("runs/shared/" + file)])
            XCTAssertEqual(read.status, 0, read.stderr)
            let events = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[Any]])
            for tag in ["charts/episodic_return", "losses/value_loss"] {
                let expected = events.filter { $0[0] as? String == tag }.map { [Double($0[1] as! Int), ($0[2] as! NSNumber).doubleValue] }
                XCTAssertFalse(expected.isEmpty)
                XCTAssertEqual(points(t, tag), expected, "trial \(t["number"]!) \(tag): its curve is its own event file's scalars")
            }
            // Two points at each step of the return, both kept.
            let steps = points(t, "charts/episodic_return").map { $0[0] }
            XCTAssertEqual(steps.count, 2 * Set(steps).count)
            XCTAssertTrue(r.stdout.contains("Trial #\(t["number"]!): metrics from tfevents: runs/shared/\(file)"), r.stdout)
        }
        // Optuna's intermediate values hold one value per step, the first reported there.
        let store = project.path("data/hypertop.db")
        let q = try runProgram(python, ["-c", """
            import sqlite3, sys, json
            db = sqlite3.connect(sys.argv[1])
            print(json.dumps(db.execute("select trial_id, step, intermediate_value from trial_intermediate_values order by trial_id, step").fetchall()))
            """, store])
        XCTAssertEqual(q.status, 0, q.stderr)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [[Any]])
        XCTAssertFalse(rows.isEmpty)
        let first = trials.sorted { ($0["number"] as! Int) < ($1["number"] as! Int) }[0]
        let firstPoints = points(first, "charts/episodic_return")
        let firstRows = rows.filter { $0[0] as? Int == 1 }.map { [Double($0[1] as! Int), ($0[2] as! NSNumber).doubleValue] }
        var seen = Set<Double>()
        XCTAssertEqual(firstRows, firstPoints.filter { seen.insert($0[0]).inserted })
    }

    static let wandbScript = """
        # A script that logs only through wandb.log.
        import argparse, time
        import wandb

        p = argparse.ArgumentParser()
        p.add_argument("--lr", type=float)
        p.add_argument("--layers", type=int)
        args = p.parse_args()
        wandb.init(config=vars(args))
        for i in range(6):
            wandb.log({"val/loss": 1.0 / (1.0 + i * args.lr * args.layers), "lr": args.lr})
            time.sleep(0.05)
        wandb.finish()
        """

    /// A run file read in Python with W&B's own protobuf classes (wandb 0.2x+ has no Python reader
    /// of its files any more, its Go core writes them): the LevelDB-log layout, written out here
    /// apart from hypertop's reader, checking every chunk's CRC; its run's group, and the history
    /// as (step, key, value).
    static let readWandb = """
        import json, struct, sys, zlib
        from wandb.proto import wandb_internal_pb2 as pb
        data = open(sys.argv[1], "rb").read()
        assert data[:4] == b":W&B", data[:7]
        pos, block, records, cur = 7, 32768, [], b""
        while pos + 7 <= len(data):
            left = block - pos % block
            if left < 7:
                pos += left
                continue
            crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
            chunk = data[pos + 7:pos + 7 + length]
            if len(chunk) < length:
                break
            pos += 7 + length
            assert zlib.crc32(chunk, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF == crc, pos
            if kind == 1:
                records.append(chunk)
            elif kind == 2:
                cur = chunk
            elif kind == 3:
                cur += chunk
            elif kind == 4:
                records.append(cur + chunk)
        groups, history = [], []
        for data in records:
            r = pb.Record()
            r.ParseFromString(data)
            kind = r.WhichOneof("record_type")
            if kind == "run":
                groups.append([r.run.run_group, r.run.project, r.run.job_type, r.run.display_name])
            elif kind == "history":
                step = r.history.step.num
                for item in r.history.item:
                    key = item.key or ".".join(item.nested_key)
                    if not key.startswith("_"):
                        history.append([step, key, json.loads(item.value_json)])
        print(json.dumps({"groups": groups, "history": history}))
        """

    func testAScriptLoggingOnlyThroughWandbIsReadFromItsRunFileAndGroupedByStudy() throws {
        let python = try TestSupport.python(in: ".venv", importing: "wandb", install: "scripts/install-deps.sh --python")
        _ = try project.write("train.py", Self.wandbScript)
        _ = try project.write("wandb-sweep.yaml", """
            name: wb-study
            project: hypertop-project
            program: train.py
            method: grid
            metric:
              name: val/loss
              goal: minimize
            parameters:
              lr:
                values: [0.1, 0.5]
              layers:
                values: [1, 3]
            """)
        let r = try hypertop(["run", "--headless", "--jobs", "2", "wandb-sweep.yaml"], python: python,
                             environment: ["WANDB_MODE": "offline", "WANDB_SILENT": "true"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Trials: 4 (4 COMPLETE)"), r.stdout)
        let trials = try exportedTrials("wb-study", python: python)
        XCTAssertEqual(trials.count, 4)
        for t in trials {
            let runDir = try XCTUnwrap(t["run_dir"] as? String)
            // W&B filed the run in the trial's own directory.
            let runs = try FileManager.default.contentsOfDirectory(atPath: runDir + "/wandb").filter { $0.hasPrefix("offline-run-") }
            XCTAssertEqual(runs.count, 1, "\(runDir)/wandb")
            guard let run = runs.first else { continue }
            let files = try FileManager.default.contentsOfDirectory(atPath: "\(runDir)/wandb/\(run)").filter { $0.hasSuffix(".wandb") }
            XCTAssertEqual(files.count, 1)
            guard let file = files.first.map({ "\(runDir)/wandb/\(run)/\($0)" }) else { continue }
            let read = try runProgram(python, ["-c", Self.readWandb, file])
            XCTAssertEqual(read.status, 0, read.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
            // Grouped by the study, filed under the file's project, named after the trial.
            XCTAssertEqual(json["groups"] as? [[String]], [["wb-study", "hypertop-project", "trial", "wb-study-\(t["number"]!)"]])
            let history = try XCTUnwrap(json["history"] as? [[Any]])
            for key in ["val/loss", "lr"] {
                let expected = history.filter { $0[1] as? String == key }.map { [Double($0[0] as! Int), ($0[2] as! NSNumber).doubleValue] }
                XCTAssertEqual(expected.count, 6)
                XCTAssertEqual(points(t, key), expected, "trial \(t["number"]!) \(key): its curve is its W&B run file's history")
            }
            let loss = points(t, "val/loss").map { $0[1] }
            XCTAssertEqual(try XCTUnwrap(t["value"] as? Double), try XCTUnwrap(loss.last), "W&B's run value: the last logged")
            XCTAssertTrue(r.stdout.contains("Trial #\(t["number"]!): metrics from wandb: "), r.stdout)
        }
    }
}
