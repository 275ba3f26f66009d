/// The line above the keys: the filter being typed, else the last feedback or engine message.
struct StatusLine: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        if state.editingFilter {
            let x = area.x + buf.put(" filter: ", x: area.x, y: area.y, style: .fg(.accent, bold: true))
            let used = buf.put(state.filter.spans(), x: x, y: area.y, maxWidth: area.right - x)
            buf.put("   Enter keeps it, Esc clears it", x: x + used, y: area.y, maxWidth: area.right - x - used, style: .fg(.muted))
            return
        }
        if let status = state.status {
            buf.put(" " + status, x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
        }
    }
}
