import Foundation

/// The report's SVG charts as PNG, by rsvg-convert (Debian: librsvg2-bin) when it is on PATH.
public enum SVGToPNG {
    /// What became of the SVGs: rsvg-convert missing, or which got their PNG and why each other
    /// did not.
    public struct Outcome: Sendable, Equatable {
        public var toolFound: Bool
        /// The SVGs that got their PNG.
        public var converted: [String]
        /// Each SVG that did not, with rsvg-convert's first line about it.
        public var failed: [Failure]
    }

    public struct Failure: Sendable, Equatable {
        public var svg: String
        public var complaint: String
    }

    /// Writes `x.png` beside each `x.svg`, each on its own: one that fails leaves the others.
    public static func convert(_ svgPaths: [String], environment: [String: String] = ProcessInfo.processInfo.environment) async -> Outcome {
        guard let tool = JobLocator.findInPath("rsvg-convert", environment) else {
            return Outcome(toolFound: false, converted: [], failed: [])
        }
        var outcome = Outcome(toolFound: true, converted: [], failed: [])
        for svg in svgPaths {
            let result = await ToolCommand.run(tool, [svg, "-o", String(svg.dropLast(4)) + ".png"], environment: environment)
            if result.status == 0 {
                outcome.converted.append(svg)
            } else {
                outcome.failed.append(Failure(svg: svg, complaint: result.complaint))
            }
        }
        return outcome
    }
}
