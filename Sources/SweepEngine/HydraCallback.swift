import Foundation
import HyperOpt

/// The Python module hypertop puts on a Hydra job's PYTHONPATH to capture what the app's decorated function returns.
///
/// hypertop adds `++hydra.callbacks.hypertop._target_=hypertop_hydra.ReturnValue` to the job's
/// overrides; Hydra then calls `on_job_end` after the decorated function, in single-run mode too,
/// and the app stays unchanged. The callback writes `$HYPERTOP_TRIAL_DIR/returned.json`:
/// `{"value": <float or "nan"/"inf"/"-inf">, "epochs": <int or null>}` for a number or a
/// `(score, epochs, ...)` tuple, `{"unsupported": "<type>"}` for another value, nothing for `None`
/// or a failed job.
public enum HydraCallback {
    public static let moduleName = TrialArguments.callbackModule
    public static let className = TrialArguments.callbackClass
    /// Writes the module into `directory` (once per study), for the jobs' `PYTHONPATH`.
    public static func install(in directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try source.write(toFile: (directory as NSString).appendingPathComponent(moduleName + ".py"), atomically: true, encoding: .utf8)
    }

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
            value, epochs = None, None
            if _is_number(ret):
                value = ret
            elif isinstance(ret, (tuple, list)) and ret and _is_number(ret[0]):
                value = ret[0]  # Scilab-RL returns (score, epochs, run_id)
                if len(ret) > 1 and isinstance(ret[1], numbers.Integral) and not isinstance(ret[1], bool):
                    epochs = int(ret[1])
            if value is None:
                out = {"unsupported": type(ret).__name__}
            else:
                v = float(value)
                # Strict JSON has no NaN or infinity: spell them as strings.
                out = {"value": v if math.isfinite(v) else str(v), "epochs": epochs}
            tmp = "%s.%d.tmp" % (self.path, os.getpid())
            with open(tmp, "w") as f:
                json.dump(out, f, allow_nan=False)
            os.replace(tmp, self.path)  # readers never see a half-written file
    """#
}
