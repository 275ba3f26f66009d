import Foundation
import HyperOpt

/// The Python module hypertop puts on a Hydra job's PYTHONPATH to capture what the app's decorated function returns.
///
/// hypertop adds `++hydra.callbacks.hypertop._target_=hypertop_hydra.ReturnValue` to the job's
/// overrides; Hydra then calls `on_job_end` after the decorated function, in single-run mode too,
/// and the app stays unchanged. The callback writes `$HYPERTOP_TRIAL_DIR/returned.json`:
/// `{"value": <float or "nan"/"inf"/"-inf">, "epochs": <int or null>}` for a number or a
/// `(score, epochs, ...)` tuple (with `"values"`: the tuple's leading numbers, when there are
/// several: a study of several objectives takes them), `{"named": {key: number}}` for a dict,
/// `{"unsupported": "<type>"}` for another value, nothing for `None` or a failed job.
public enum HydraCallback {
    public static let moduleName = TrialArguments.callbackModule
    public static let className = TrialArguments.callbackClass
    /// Writes the module into `directory` (once per study), for the jobs' `PYTHONPATH`, and the
    /// sweeper stand-in beside it (see `standInSource`). `asPackage`: as the package
    /// `hypertop_hydra/__init__.py`, as the wheel installs it (`scripts/wheel.sh`).
    public static func install(in directory: String, asPackage: Bool = false) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if asPackage {
            let package = (directory as NSString).appendingPathComponent(moduleName)
            try fm.createDirectory(atPath: package, withIntermediateDirectories: true)
            try source.write(toFile: package + "/__init__.py", atomically: true, encoding: .utf8)
        } else {
            try source.write(toFile: (directory as NSString).appendingPathComponent(moduleName + ".py"), atomically: true, encoding: .utf8)
        }
        // `hydra_plugins` stays a namespace package (no __init__.py): installed plugins still load.
        let plugin = (directory as NSString).appendingPathComponent("hydra_plugins/\(standInModule)")
        let samplers = plugin + "/conf/hydra/sweeper/sampler"
        try fm.createDirectory(atPath: samplers, withIntermediateDirectories: true)
        try standInSource.write(toFile: plugin + "/__init__.py", atomically: true, encoding: .utf8)
        try """
        # Written by hypertop: stands in for hydra-optuna-sweeper's config where that plugin is not
        # installed, so that an app whose defaults say `override hydra/sweeper: optuna` composes.
        # hypertop is the sweeper; a single run never uses this one.
        defaults:
          - sampler: tpe
        _target_: hydra._internal.core_plugins.basic_sweeper.BasicSweeper
        # Set to the study's name for each trial, as the plugin's own study_name is.
        study_name: null

        """.write(toFile: plugin + "/conf/hydra/sweeper/optuna.yaml", atomically: true, encoding: .utf8)
        for (group, sampler) in standInSamplers {
            try "_target_: optuna.samplers.\(sampler)\n".write(toFile: samplers + "/\(group).yaml", atomically: true, encoding: .utf8)
        }
    }

    public static let standInModule = "hypertop_sweeper_stand_in"

    /// Where the wheel installed the callback (`<env>/lib/pythonX.Y/site-packages`), when the job
    /// runs the Python of the environment hypertop itself was installed into (`python` found in
    /// the same `bin` directory as the running `hypertop`): that Python imports `hypertop_hydra`
    /// as it is, so nothing is written for the study and nothing is added to `PYTHONPATH`. nil for
    /// any other job (a source build, another environment's Python): the study gets its own copy.
    public static func installedPackage(jobCommand: [String], environment: [String: String],
                                        executableDirectory: String = JobLocator.executableDirectory) -> String? {
        guard let program = jobCommand.first, (program as NSString).lastPathComponent.hasPrefix("python") else { return nil }
        let found = program.contains("/") ? program : JobLocator.findInPath(program, environment)
        guard let found else { return nil }
        let canonical = { (dir: String) in URL(fileURLWithPath: dir).resolvingSymlinksInPath().path }
        guard canonical((found as NSString).deletingLastPathComponent) == canonical(executableDirectory) else { return nil }
        let lib = ((executableDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("lib")
        for python in ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).sorted() where python.hasPrefix("python") {
            let site = "\(lib)/\(python)/site-packages"
            if FileManager.default.fileExists(atPath: "\(site)/\(moduleName)/__init__.py") { return site }
        }
        return nil
    }

    /// The upstream plugin's sampler groups (`override hydra/sweeper/sampler: <group>`).
    static let standInSamplers = [("tpe", "TPESampler"), ("random", "RandomSampler"), ("cmaes", "CmaEsSampler"),
                                  ("nsgaii", "NSGAIISampler"), ("nsgaiii", "NSGAIIISampler"), ("motpe", "MOTPESampler"),
                                  ("grid", "GridSampler"), ("qmc", "QMCSampler"), ("gp", "GPSampler")]

    /// A Hydra search-path plugin: where no `hydra/sweeper/optuna` config exists (hydra-optuna-sweeper
    /// is not installed: it needs optuna < 3, so an environment with a current optuna lacks it),
    /// it adds the stand-in's configs at the end of the search path; where the plugin is installed
    /// it adds nothing, and the plugin's own config is used as before.
    public static let standInSource = #"""
    # Written by hypertop: see conf/hydra/sweeper/optuna.yaml. It must never raise.
    import os

    from hydra.core.config_search_path import ConfigSearchPath
    from hydra.core.config_store import ConfigStore
    from hydra.plugins.search_path_plugin import SearchPathPlugin


    def _stored(path):
        node = ConfigStore.instance().repo
        for part in path.split("/"):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True


    def _in_files(search_path, relative):
        for element in search_path.get_path():
            path = element.path
            if path.startswith("file://"):
                path = path[len("file://"):]
            if "://" not in path and os.path.exists(os.path.join(path, relative)):
                return True
        return False


    class HypertopSweeperStandIn(SearchPathPlugin):
        def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
            try:
                if _stored("hydra/sweeper/optuna.yaml") or _in_files(search_path, "hydra/sweeper/optuna.yaml"):
                    return
                here = os.path.dirname(os.path.abspath(__file__))
                search_path.append(provider="hypertop", path="file://" + os.path.join(here, "conf"))
            except Exception:
                pass
    """#

    public static let source = #"""
    # Written by hypertop: hands the value a Hydra app's main returns to the sweep.
    # It must never raise: an error here would turn a good trial into a failed one.
    import json
    import math
    import numbers
    import os

    from hydra.core.utils import JobStatus
    from hydra.experimental.callback import Callback


    def _is_number(x):
        # numbers.Real also covers numpy scalars; a bool is an int to Python but no objective.
        return isinstance(x, numbers.Real) and not isinstance(x, bool)


    def _spell(x):
        # Strict JSON has no NaN or infinity: spell them as strings.
        v = float(x)
        return v if math.isfinite(v) else str(v)


    class ReturnValue(Callback):
        def __init__(self, **kwargs):
            # Resolved now: Hydra makes callbacks before the job and, for apps without
            # version_base, calls on_job_end while still inside the run dir.
            d = os.environ.get("HYPERTOP_TRIAL_DIR")
            self.path = os.path.join(os.path.abspath(d), "returned.json") if d else None

        def on_job_end(self, config, job_return, **kwargs):
            try:
                self._write(job_return)
            except Exception:
                pass

        def _write(self, job_return):
            if self.path is None or getattr(job_return, "status", None) != JobStatus.COMPLETED:
                return  # a failed job: its exit status and stderr tell
            ret = job_return.return_value
            if ret is None:
                return
            value, epochs, values, named = None, None, None, None
            if _is_number(ret):
                value = ret
            elif isinstance(ret, (tuple, list)) and ret and _is_number(ret[0]):
                value = ret[0]  # Scilab-RL returns (score, epochs, run_id)
                if len(ret) > 1 and isinstance(ret[1], numbers.Integral) and not isinstance(ret[1], bool):
                    epochs = int(ret[1])
                # A study of several objectives takes its values from the leading numbers.
                values = []
                for x in ret:
                    if not _is_number(x):
                        break
                    values.append(_spell(x))
            elif isinstance(ret, dict):
                # Objectives and constraints by name (hyperopt_criterion, constraints).
                named = {str(k): _spell(x) for k, x in ret.items() if _is_number(x)}
            if value is None and not named:
                out = {"unsupported": type(ret).__name__}
            elif value is None:
                out = {"named": named}
            else:
                out = {"value": _spell(value), "epochs": epochs}
                if values is not None and len(values) > 1:
                    out["values"] = values
            tmp = "%s.%d.tmp" % (self.path, os.getpid())
            with open(tmp, "w") as f:
                json.dump(out, f, allow_nan=False)
            os.replace(tmp, self.path)  # readers never see a half-written file
    """#
}
