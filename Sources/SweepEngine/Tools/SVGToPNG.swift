import Foundation

/// The report's SVG charts as PNG, by rsvg-convert (Debian: librsvg2-bin) when it is on PATH.
public enum SVGToPNG {
    /// Writes `x.png` beside each `x.svg`; false when rsvg-convert is not there or fails.
    public static func convert(_ svgPaths: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let tool = JobLocator.findInPath("rsvg-convert", environment) else { return false }
        for svg in svgPaths {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [svg, "-o", String(svg.dropLast(4)) + ".png"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            if p.terminationStatus != 0 { return false }
        }
        return true
    }
}
