import Foundation
import TestSupport
import XCTest
@testable import HyperOpt

/// The upstream plugin's grammar as the plugin itself reads it: each expression through Hydra's
/// override parser and the plugin's own `create_optuna_distribution_from_override`, next to ours.
final class SweepGrammarParityTests: XCTestCase {
    func testOurDistributionsAreThePluginsOwn() throws {
        let python = try TestSupport.python(in: ".venv-upstream", importing: "hydra_plugins.hydra_optuna_sweeper",
                                            install: "scripts/install-deps.sh --python")
        let expressions = [
            "interval(0, 1)", "interval(0.001, 1.5)", "int(interval(0, 10))", "tag(log, interval(1, 100))",
            "tag(log, int(interval(16, 256)))", "range(0, 4)", "range(1, 10, step=3)", "range(-5.5, 5.5, step=0.5)",
            "choice(-5, 0, 5)", "choice(adam, sgd)", "float(interval(1, 3))",
        ]
        let script = """
        import json, sys
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra_plugins.hydra_optuna_sweeper._impl import create_optuna_distribution_from_override
        p = OverridesParser.create()
        out = []
        for e in sys.argv[1:]:
            d = create_optuna_distribution_from_override(p.parse_override("x=" + e))
            out.append([type(d).__name__, {k: v for k, v in vars(d).items() if not k.startswith("_")}])
        print(json.dumps(out))
        """
        let r = try runProgram(python, ["-c", script] + expressions)
        XCTAssertEqual(r.status, 0, r.stderr)
        let theirs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[Any]])
        XCTAssertEqual(theirs.count, expressions.count)
        for (expression, entry) in zip(expressions, theirs) {
            let kind = entry[0] as? String ?? ""
            let fields = entry[1] as? [String: Any] ?? [:]
            func num(_ key: String) -> Double? { (fields[key] as? NSNumber)?.doubleValue }
            guard case .parameter(let ours) = try SweepGrammar.parse(expression) else { XCTFail("\(expression): not a parameter"); continue }
            switch (kind, ours) {
            case ("UniformDistribution", .float(let lo, let hi, false, nil)),
                 ("LogUniformDistribution", .float(let lo, let hi, true, nil)):
                XCTAssertEqual([lo, hi], [num("low"), num("high")].compactMap { $0 }, expression)
            case ("DiscreteUniformDistribution", .float(let lo, let hi, false, let step?)):
                XCTAssertEqual([lo, hi, step], [num("low"), num("high"), num("q")].compactMap { $0 }, expression)
            case ("IntUniformDistribution", .int(let lo, let hi, false, let step)),
                 ("IntLogUniformDistribution", .int(let lo, let hi, true, let step)):
                XCTAssertEqual([Double(lo), Double(hi), Double(step ?? 1)], [num("low"), num("high"), num("step") ?? 1].compactMap { $0 }, expression)
            case ("CategoricalDistribution", .categorical(let choices)):
                XCTAssertEqual(choices.count, (fields["choices"] as? [Any])?.count, expression)
            default:
                XCTFail("\(expression): the plugin makes \(kind) \(fields), hypertop \(ours)")
            }
        }
    }
}
