import HyperOpt

/// Where the parts of each screen go; `update` uses it too, to know how many rows a page has.
struct MainLayout {
    static let minimum = Size(width: 80, height: 24)
    /// From this width on the per-parameter summary sits beside the table, else below it.
    static let sidePanelWidth = 110

    let header: Rect
    let table: Rect
    let summary: Rect
    let status: Rect
    let keys: Rect

    /// `machineRow`: the header has a fifth row, the machine's meters (while an engine measures it).
    init(_ size: Size, machineRow: Bool = false) {
        let v = Rect(x: 0, y: 0, width: size.width, height: size.height)
            .split(.vertical, [.length(machineRow ? 5 : 4), .fill(1), .length(1), .length(1)])
        header = v[0]
        status = v[2]
        keys = v[3]
        let body = v[1].split(.vertical, [.length(1), .fill(1)])[1]
        if size.width >= MainLayout.sidePanelWidth {
            let h = body.split(.horizontal, [.fill(1), .length(36)], spacing: 1)
            table = h[0]
            summary = h[1]
        } else {
            let parts = body.split(.vertical, [.fill(1), .length(body.height / 3)], spacing: 1)
            table = parts[0]
            summary = parts[1]
        }
    }
}

struct DetailLayout {
    let header: Rect
    let info: Rect
    /// What the trial costs the machine: a line, and its CPU and memory history where there is one.
    let usage: Rect
    let charts: Rect
    let output: Rect
    let status: Rect
    let keys: Rect

    static let infoRows = 6

    /// `usageRows`: 0 for a trial nothing measured, 1 for its totals, 5 with its history's charts.
    init(_ size: Size, usageRows: Int = 0) {
        let v = Rect(x: 0, y: 0, width: size.width, height: size.height)
            .split(.vertical, [.length(1), .length(DetailLayout.infoRows), .length(usageRows), .fill(3), .fill(2), .length(1), .length(1)])
        header = v[0]
        info = v[1]
        usage = v[2]
        charts = v[3]
        output = v[4]
        status = v[5]
        keys = v[6]
    }

    /// The usage rows a trial gets.
    static func usageRows(_ t: TrialRecord?) -> Int {
        guard let t else { return 0 }
        if t.usageHistory.count >= 2 { return 5 }
        return t.usage != nil || t.totals != nil ? 1 : 0
    }
}

extension Size {
    var isTooSmall: Bool { width < MainLayout.minimum.width || height < MainLayout.minimum.height }
}
