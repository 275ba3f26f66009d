import Foundation

/// The report's SVG charts as PNG, by rsvg-convert (Debian: librsvg2-bin) when it is on PATH.
public enum SVGToPNG {
    /// Writes `x.png` beside each `x.svg`; false when rsvg-convert is not there or fails.
    public static func convert(_ svgPaths: [String], environment: [String: String] = ProcessInfo.processInfo.environment) async -> Bool {
        guard let tool = JobLocator.findInPath("rsvg-convert", environment) else { return false }
        for svg in svgPaths {
            let result = await ToolCommand.run(tool, [svg, "-o", String(svg.dropLast(4)) + ".png"], environment: environment)
            if result.status != 0 { return false }
        }
        return true
    }
}
