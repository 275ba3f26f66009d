import Foundation
import HyperOpt

/// The one YAML writer of the output formats (`optimization_results.yaml`, `best --format yaml`):
/// JSON's spelling, which YAML reads as the same values, but YAML's words for what JSON lacks.
public enum YAMLText {
    /// A value: JSON's text; `.nan`, `.inf` and `-.inf` for the non-finite floats.
    public static func scalar(_ v: ParamValue) -> String {
        if case .float(let x) = v, !x.isFinite { return x.isNaN ? ".nan" : x > 0 ? ".inf" : "-.inf" }
        return v.jsonText
    }

    /// A mapping key: plain when it is a bare word, else quoted.
    public static func key(_ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? key : JSONText.quote(key)
    }
}
