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

    init(_ size: Size) {
        let v = Rect(x: 0, y: 0, width: size.width, height: size.height)
            .split(.vertical, [.length(4), .fill(1), .length(1), .length(1)])
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
    let charts: Rect
    let output: Rect
    let status: Rect
    let keys: Rect

    static let infoRows = 6

    init(_ size: Size) {
        let v = Rect(x: 0, y: 0, width: size.width, height: size.height)
            .split(.vertical, [.length(1), .length(DetailLayout.infoRows), .fill(3), .fill(2), .length(1), .length(1)])
        header = v[0]
        info = v[1]
        charts = v[2]
        output = v[3]
        status = v[4]
        keys = v[5]
    }
}

extension Size {
    var isTooSmall: Bool { width < MainLayout.minimum.width || height < MainLayout.minimum.height }
}
