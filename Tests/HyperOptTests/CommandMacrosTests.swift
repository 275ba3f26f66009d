import Foundation
import TestSupport
import XCTest
@testable import HyperOpt

/// W&B's command macros: their documented expansions, and word for word the real wandb's own
/// (`create_sweep_command`, `create_sweep_command_args` and the agent's expansion loop), run
/// in Python on the same values.
final class CommandMacrosTests: XCTestCase {
    let arguments: [CommandMacros.Argument] = [
        .init("lr", .float(0.1)), .init("tiny", .float(1e-05)), .init("big", .float(1e16)), .init("mid", .float(1e15)),
        .init("neg_zero", .float(-0.0)), .init("epochs", .int(3)), .init("fast", .bool(true)), .init("slow", .bool(false)),
        .init("none", .null), .init("opt", .string("adam")), .init("quote", .string("it's \"x\"")), .init("text", .string("λ x\ty")),
        .init("layers", .list([.int(1), .string("a"), .bool(true), .null, .float(2.5)])),
        .init("optimizer", .mapping([ParamValue.Entry("lr", .float(0.001)), ParamValue.Entry("nadam", .mapping([ParamValue.Entry("beta", .float(0.9))]))])),
        .init("grid", .list([.list([.int(8), .int(8)]), .list([])])),
    ]

    func expand(_ command: [String], _ arguments: [CommandMacros.Argument], environment: [String: String] = [:]) -> [String] {
        CommandMacros.expandArguments(CommandMacros.expandProgram(command, program: "train.py", environment: environment), arguments,
                                      jsonFile: "/trial/args.json")
    }

    /// W&B's docs' table of macros, on two values.
    func testTheDocumentedExpansions() {
        let two: [CommandMacros.Argument] = [.init("param1", .string("value1")), .init("param2", .int(2))]
        XCTAssertEqual(expand(["${env}", "${interpreter}", "${program}", "${args}"], two), ["/usr/bin/env", "python", "train.py", "--param1=value1", "--param2=2"])
        XCTAssertEqual(expand(["${args_no_hyphens}"], two), ["param1=value1", "param2=2"])
        XCTAssertEqual(expand(["${args_json}"], two), [#"{"param1": "value1", "param2": 2}"#])
        XCTAssertEqual(expand(["${args_json_file}"], two), ["/trial/args.json"])
        let flags: [CommandMacros.Argument] = [.init("on", .bool(true)), .init("off", .bool(false)), .init("lr", .float(0.5))]
        XCTAssertEqual(expand(["${args_no_boolean_flags}"], flags), ["--on", "--lr=0.5"], "True is a bare flag, False is left out")
        XCTAssertEqual(expand(["${args}"], flags), ["--on=True", "--off=False", "--lr=0.5"], "Python's str of a bool")
        XCTAssertEqual(expand(["${args_no_equals}"], flags), ["--on", "True", "--off", "False", "--lr", "0.5"])
        XCTAssertEqual(expand(["${envvar:HOME_DIR}/data", "${envvar:NOT_SET}"], [], environment: ["HOME_DIR": "/h"]), ["/h/data", "NOT_SET"],
                       "an unset variable leaves its name, as W&B does")
        XCTAssertEqual(expand(["x${args}"], two), ["x${args}"], "a macro inside a word is passed as written")
    }

    func testTheLoaderRefusesWhatWandBWouldDrop() {
        let (errors, warnings) = CommandMacros.problems(["${env}", "${argz}", "--a=${args}", "${envvar:lower}", "--lr=${lr}", "${program}"],
                                                        hasProgram: false, parameters: ["lr"])
        XCTAssertEqual(errors.count, 3, "\(errors)")
        XCTAssertTrue(errors[0].hasPrefix("`${argz}` is not one of W&B's command macros"))
        XCTAssertTrue(errors[1].hasPrefix("`${envvar:lower}` is not one of W&B's command macros"), "W&B's pattern takes A-Z, 0-9 and _ only")
        XCTAssertTrue(errors[2].hasPrefix("`${program}` names the sweep's `program`, and there is none"))
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("`--a=${args}`: W&B's agent expands a macro only when it is the whole word"))
        XCTAssertTrue(warnings[1].contains("use ${args}"), warnings[1])
        XCTAssertTrue(CommandMacros.placesArguments(["python", "t.py", "${args_json_file}"]))
        XCTAssertFalse(CommandMacros.placesArguments(["python", "t.py", "--x=${args}"]))
        XCTAssertEqual(CommandMacros.leadingWords(["/usr/bin/env", "python", "t.py", "--v", "${args}", "--w"]), 4)
    }

    /// Every macro, on bools, None, floats at the edges of Python's repr, quotes, non-ASCII text,
    /// lists and a nested mapping, against wandb's own code.
    func testEveryMacroExpandsAsWandBsAgentExpandsIt() throws {
        let python = try wandbPython()
        let command = ["${env}", "${interpreter}", "${program}", "${args}", "${args_no_equals}", "${args_no_hyphens}", "${args_no_boolean_flags}", "${args_json}",
                                                          "${args_json_file}", "${args_append_hydra}", "${args_override_hydra}",
                                                          "--root=${envvar:WB_TEST_VAR}", "${envvar:WB_UNSET_VAR}", "x${args}", "5"]
        let args = PythonText.json(.mapping(arguments.map { ParamValue.Entry($0.name, .mapping([ParamValue.Entry("value", $0.value)])) }))
        // wandb's own functions; the loop is wandb_agent.py's `_command_run`, which cannot be called alone.
        let script = """
            import json, sys
            from wandb.sdk.launch.sweeps import utils as u
            command = u.create_sweep_command(json.loads(sys.argv[2]))
            sweep_vars = u.create_sweep_command_args({"args": json.loads(sys.argv[1])})
            sweep_vars["interpreter"] = ["python"]
            sweep_vars["program"] = ["train.py"]
            sweep_vars["args_json_file"] = ["/trial/args.json"]
            sweep_vars["env"] = ["/usr/bin/env"]
            out = []
            for c in command:
                c = str(c)
                if c.startswith("${") and c.endswith("}"):
                    out += sweep_vars.get(c[2:-1]) or []
                else:
                    out += [c]
            print(json.dumps(out))
            """
        let r = try runProgram("/usr/bin/env", ["WB_TEST_VAR=/data/x", python, "-c", script, args, PythonText.json(.list(command.map { .string($0) }))])
        XCTAssertEqual(r.status, 0, r.stderr)
        let theirs = try JSONDecoder().decode([String].self, from: Data(r.stdout.utf8))
        let ours = expand(command, arguments, environment: ["WB_TEST_VAR": "/data/x"])
        XCTAssertEqual(ours.count, theirs.count)
        for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b) }
        XCTAssertTrue(ours.contains("--optimizer={'lr': 0.001, 'nadam': {'beta': 0.9}}"), "a nested parameter is one argument, as W&B passes it")
    }

    /// Python's repr of doubles across the exponent range, and of odd text.
    func testPythonTextMatchesPython() throws {
        let python = try wandbPython()
        var g = SeededGenerator(seed: 3)
        var doubles: [Double] = [0, -0.0, 1, 0.1, 1e-4, 9.99e-5, 1e15, 9.999999999999998e15, 1e16, 1.7976931348623157e308, Double.leastNonzeroMagnitude, 123456.789]
        for _ in 0..<300 {
            let m = g.unit() * 2 - 1
            doubles.append(m * pow(10, Double(Int(g.unit() * 60) - 30)))
        }
        let texts = ["plain", "it's", "say \"hi\"", "both ' and \"", "tab\there", "line\nbreak", "back\\slash", "λ", "emoji 😀", "\u{7}bell", "\u{200B}zw", "\u{A0}nbsp"]
        let values: [ParamValue] = doubles.map { .float($0) } + texts.map { .string($0) }
        let script = "import json, sys\nvs = json.loads(sys.argv[1])\nprint(json.dumps([[repr(v), str(v), json.dumps(v)] for v in vs]))"
        let r = try runProgram(python, ["-c", script, PythonText.json(.list(values))])
        XCTAssertEqual(r.status, 0, r.stderr)
        let theirs = try JSONDecoder().decode([[String]].self, from: Data(r.stdout.utf8))
        XCTAssertEqual(theirs.count, values.count)
        for (v, t) in zip(values, theirs) {
            XCTAssertEqual(PythonText.repr(v), t[0], "repr")
            XCTAssertEqual(PythonText.str(v), t[1], "str")
            XCTAssertEqual(PythonText.json(v), t[2], "json.dumps")
        }
    }

    /// A W&B sweep's nested and constant values reach the macros nested back and sorted, as W&B
    /// passes a run's config; hypertop's own format keeps the file's order.
    func testTrialArgumentsNestAndSortForAWandBSweep() throws {
        var spec = StudySpec(studyName: "s", maxTrials: 1, nJobs: 1, direction: .minimize,
                             space: SearchSpace([Parameter(name: "optimizer.lr", distribution: .float(low: 0, high: 1, log: false, step: nil)),
                                                 Parameter(name: "batch_size", distribution: .int(low: 1, high: 9, log: false, step: 1))]),
                             command: ["${env}", "${interpreter}", "${program}", "${args}"])
        spec.wandbMethod = "random"
        spec.passConfig = PassConfig.none
        spec.constantArguments = [ParamValue.Entry("optimizer.kind", .string("adam")), ParamValue.Entry("epochs", .int(2))]
        spec.argumentPaths = ["optimizer.lr": ["optimizer", "lr"], "optimizer.kind": ["optimizer", "kind"]]
        let command = ["/usr/bin/env", "python", "train.py", "${args}", "${args_json_file}"]
        let params: Params = ["optimizer.lr": .float(0.5), "batch_size": .int(3)]
        let argv = TrialArguments.argv(command: command, spec: spec, params: params, runDir: "/s/0", seed: 1, epochCap: nil)
        XCTAssertEqual(argv, ["/usr/bin/env", "python", "train.py", "--batch_size=3", "--epochs=2", "--optimizer={'kind': 'adam', 'lr': 0.5}", "/s/0/args.json"])
        XCTAssertEqual(TrialArguments.argsJSON(command: command, spec: spec, params: params, seed: 1, epochCap: nil),
                       #"{"batch_size": 3, "epochs": 2, "optimizer": {"kind": "adam", "lr": 0.5}}"#)
        XCTAssertNil(TrialArguments.argsJSON(command: Array(command.prefix(4)), spec: spec, params: params, seed: 1, epochCap: nil))
        // W&B's agent passes nothing a macro does not place.
        XCTAssertEqual(TrialArguments.argv(command: ["python", "train.py"], spec: spec, params: params, runDir: "/s/0", seed: 1, epochCap: nil), ["python", "train.py"])
        // `best` reproduces the trial with the words after the job's own.
        XCTAssertEqual(TrialArguments.jobWords(command: command, spec: spec), 3)
        var launch = TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: params, runDir: "/s/0", command: argv, startedAt: Date())
        launch.jobWords = TrialArguments.jobWords(command: command, spec: spec)
        XCTAssertEqual(TrialArguments.reproduction(of: launch, spec: spec), ["--batch_size=3", "--epochs=2", "--optimizer={'kind': 'adam', 'lr': 0.5}", "/s/0/args.json"])
    }
}

/// The Python with wandb: $HYPERTOP_PYTHON (or the package's .venv) when it imports wandb.
func wandbPython() throws -> String {
    let python = try optunaPython()
    guard (try? runProgram(python, ["-c", "import wandb.sdk.launch.sweeps.utils"]))?.status == 0 else {
        throw missingTool("wandb not importable by \(python) (scripts/install-deps.sh --python installs it)")
    }
    return python
}
