import Foundation
import XCTest
@testable import HyperOpt

/// `hydra.sweeper.launcher` and hydra-submitit-launcher's own layout.
final class LauncherConfigTests: XCTestCase {
    private func spec(_ yaml: String) throws -> StudySpec { try ConfigLoader.parse(yaml, path: "s-opti.yaml") }

    private func sweeper(_ launcher: String) -> String {
        """
        hydra:
          sweeper:
            study_name: s
            max_trials: 4
            search_space:
              x: {type: float, low: 0, high: 1}
        \(launcher)
        """
    }

    private func error(_ yaml: String) -> ConfigError? {
        do {
            _ = try spec(yaml)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    func testLocalIsTheDefault() throws {
        XCTAssertEqual(try spec(sweeper("")).launching, .local)
        XCTAssertEqual(try spec(sweeper("    launcher: local")).launching, .local)
    }

    func testSubmititOptionNamesBecomeSbatchOptions() throws {
        let s = try spec(sweeper("""
            launcher:
              type: slurm
              partition: gpu
              timeout_min: 90
              cpus_per_task: 4
              gpus_per_node: 1
              mem_gb: 16
              qos: normal
              account: rl-lab
              constraint: a100
              exclude: node[01-03]
              max_num_timeout: 2
              setup:
                - module load cuda/12
                - source venv/bin/activate
              additional_parameters:
                mail_type: END
                requeue: true
                nice: 10
        """))
        guard case .slurm(let o) = s.launching else { return XCTFail("not slurm: \(s.launching)") }
        XCTAssertEqual(o.maxNumTimeout, 2)
        XCTAssertEqual(o.setup, ["module load cuda/12", "source venv/bin/activate"])
        XCTAssertEqual(o.sbatchOptions, [
            "--partition=gpu", "--time=90", "--cpus-per-task=4", "--gpus-per-node=1", "--mem=16G", "--qos=normal",
            "--account=rl-lab", "--constraint=a100", "--exclude=node[01-03]", "--mail-type=END", "--requeue", "--nice=10",
        ])
    }

    func testFractionalMemoryIsGivenInMegabytes() {
        var o = SlurmOptions()
        o.memGB = 1.5
        XCTAssertEqual(o.sbatchOptions, ["--mem=1536M"])
    }

    func testASubmititConfigAsItsUsersHaveIt() throws {
        let s = try spec("""
        defaults:
          - override hydra/launcher: submitit_slurm
        hydra:
          launcher:
            _target_: hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher
            partition: cpu
            timeout_min: 30
            submitit_folder: ${hydra.sweep.dir}/.submitit/%j
          sweeper:
            study_name: s
            max_trials: 4
            search_space:
              x: {type: float, low: 0, high: 1}
        """)
        guard case .slurm(let o) = s.launching else { return XCTFail("not slurm: \(s.launching)") }
        XCTAssertEqual(o.partition, "cpu")
        XCTAssertEqual(o.timeoutMin, 30)
    }

    func testBadLauncherSettingsNameTheirLine() throws {
        let unknown = try XCTUnwrap(error(sweeper("    launcher:\n      type: slurm\n      partion: gpu")))
        XCTAssertEqual(unknown.line, 9)
        XCTAssertTrue(unknown.message.contains("unknown key `partion`") && unknown.message.contains("partition"), unknown.message)

        let type = try XCTUnwrap(error(sweeper("    launcher: {type: pbs}")))
        XCTAssertTrue(type.message.contains("launcher `pbs` is not one of local, slurm"), type.message)

        let minutes = try XCTUnwrap(error(sweeper("    launcher: {type: slurm, timeout_min: 0}")))
        XCTAssertTrue(minutes.message.contains("`timeout_min` must be at least 1"), minutes.message)

        let noType = try XCTUnwrap(error(sweeper("    launcher: {partition: gpu}")))
        XCTAssertTrue(noType.message.contains("add `type: slurm`"), noType.message)

        let option = try XCTUnwrap(error(sweeper("    launcher:\n      type: slurm\n      additional_parameters: {--mail-type: END}")))
        XCTAssertTrue(option.message.contains("not an sbatch option name"), option.message)

        let poll = try XCTUnwrap(error(sweeper("    launcher: {type: slurm, poll_seconds: 0.1}")))
        XCTAssertTrue(poll.message.contains("at least 1"), poll.message)
    }

    func testALauncherRoundTripsThroughTheStore() throws {
        let s = try spec(sweeper("    launcher: {type: slurm, partition: gpu, max_num_timeout: 1}"))
        let decoded = try JSONDecoder().decode(StudySpec.self, from: JSONEncoder().encode(s))
        XCTAssertEqual(decoded.launching, s.launching)
        // A spec recorded before launchers existed reads as local.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
        json["launcher"] = nil
        let old = try JSONDecoder().decode(StudySpec.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.launching, .local)
    }
}
