import Foundation
import HyperOpt

/// Trials laid out on the slots they held: each trial takes the lowest slot free when it was
/// launched, from its launch (or submission to the cluster) to its end.
public struct SlotTimeline: Sendable {
    public struct Bar: Sendable, Hashable {
        public var trial: Int
        public var lane: Int
        public var submitted: Date
        /// When it started running (after its time in a cluster's queue); nil while queued.
        public var running: Date?
        /// nil while it runs.
        public var end: Date?
        public var state: TrialState
    }

    public var bars: [Bar] = []
    public var lanes = 0
    public var start: Date?
    /// The last end, when no trial runs any more.
    public var finishedAt: Date?

    public init() {}

    /// Made when trials launch, start or end (not every frame): lanes by launch order.
    public init(_ study: Study) {
        // Indexes, not records: a record holds its whole metric series.
        let all = study.trials
        let order = all.indices.sorted { (all[$0].launch.startedAt, all[$0].number) < (all[$1].launch.startedAt, all[$1].number) }
        start = study.info?.startedAt ?? order.first.map { all[$0].launch.startedAt }
        var free: [Date?] = []
        var allEnded = !order.isEmpty
        var lastEnd: Date?
        for i in order {
            let t = all[i]
            let submitted = t.launch.startedAt
            let stop = t.outcome?.endedAt
            // A slot is free once its trial ended before this one was launched.
            let lane = free.firstIndex { $0.map { $0 <= submitted } ?? false } ?? free.count
            if lane == free.count { free.append(stop) } else { free[lane] = stop }
            let running: Date? = t.state == .waiting ? nil : (t.runningSince ?? submitted)
            bars.append(Bar(trial: t.number, lane: lane, submitted: submitted, running: running, end: stop, state: t.state))
            if !t.state.isFinished { allEnded = false }
            if let stop, lastEnd == nil || stop > lastEnd! { lastEnd = stop }
        }
        lanes = max(free.count, study.info?.spec.nJobs ?? 1)
        if allEnded { finishedAt = lastEnd }
    }

    /// The right end of the picture: the last end once all ended, else now.
    public func end(now: Date) -> Date { finishedAt ?? now }

    /// Shares of the slots' time (slots x span) spent running trials, queued, and idle.
    public func shares(now: Date) -> (running: Double, queued: Double, idle: Double) {
        guard let start else { return (0, 0, 1) }
        let end = end(now: now)
        let span = end.timeIntervalSince(start)
        guard span > 0 else { return (0, 0, 1) }
        var runningTime = 0.0, queuedTime = 0.0
        for b in bars {
            let stop = b.end ?? end
            let run = min(b.running ?? stop, stop)
            queuedTime += max(0, run.timeIntervalSince(b.submitted))
            runningTime += max(0, stop.timeIntervalSince(run))
        }
        let running = min(1, runningTime / (Double(lanes) * span))
        let queued = min(1 - running, queuedTime / (Double(lanes) * span))
        return (running, queued, max(0, 1 - running - queued))
    }
}

/// One lane per slot, one bar per trial coloured by its state, a cluster's queue time drawn
/// apart, and the share of slot time left idle.
struct TimelineView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 5, area.width >= 30 else { return }
        let timeline = state.timeline
        guard !timeline.bars.isEmpty, let start = timeline.start else {
            buf.put(" no trial launched yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        func percent(_ f: Double) -> String { "\(Int((f * 100).rounded()))%" }
        let now = state.endedAt ?? state.now
        let end = timeline.end(now: now)
        let span = end.timeIntervalSince(start)
        let shares = timeline.shares(now: now)
        buf.put([Span(" slot time ", Style(fg: .title, bold: true)), Span("running ", .fg(.muted)),
                 Span(percent(shares.running), Style(fg: .complete, bold: true)), Span("  queued ", .fg(.muted)),
                 Span(percent(shares.queued), Style(fg: .waiting, bold: true)), Span("  idle ", .fg(.muted)),
                 Span(percent(shares.idle), Style(fg: shares.idle > 0.2 ? .warning : .default, bold: true)),
                 Span("  of \(timeline.lanes) slot\(timeline.lanes == 1 ? "" : "s") x \(Format.duration(span))", .fg(.muted))],
                x: area.x, y: area.y, maxWidth: area.width)
        let labelWidth = 8
        let plot = Rect(x: area.x + labelWidth, y: area.y + 2, width: area.width - labelWidth - 1, height: area.height - 5)
        let shown = min(timeline.lanes, plot.height)
        let dt = max(span, 1e-9) / Double(plot.width)
        func column(_ d: Date) -> Int { min(plot.width - 1, max(0, Int(d.timeIntervalSince(start) / dt))) }
        // A bar's first cell is a half block, so two trials back to back on a slot stay two bars.
        let solid: Unicode.Scalar = glyphs.isUnicode ? "█" : "#"
        let first: Unicode.Scalar = glyphs.isUnicode ? "▐" : "["
        let queued: Unicode.Scalar = glyphs.isUnicode ? "░" : ":"
        for lane in 0..<shown {
            let y = plot.y + lane
            buf.put(Format.pad(" slot \(lane + 1)", labelWidth), x: area.x, y: y, style: .fg(.muted))
            for x in plot.x..<plot.right { buf.set(x, y, glyphs.track, .fg(.muted)) }
        }
        for b in timeline.bars where b.lane < shown {
            let y = plot.y + b.lane
            let stop = b.end ?? end
            let run = min(b.running ?? stop, stop)
            let c0 = column(b.submitted), c1 = max(column(stop), c0)
            let cRun = b.running == nil ? c1 + 1 : column(run)
            for c in c0...c1 {
                let isQueued = c < cRun && run > b.submitted
                buf.set(plot.x + c, y, isQueued ? queued : c == c0 ? first : solid, Style(fg: isQueued ? .waiting : b.state.role))
            }
        }
        if shown < timeline.lanes {
            buf.put(" +\(timeline.lanes - shown) more slots", x: area.x, y: plot.bottom, maxWidth: area.width, style: .fg(.muted))
        }
        let axisY = plot.y + shown
        if shown == timeline.lanes, axisY < area.bottom - 1 {
            for x in plot.x..<plot.right { buf.set(x, axisY, glyphs.horizontal, .fg(.muted)) }
            buf.put("0", x: plot.x, y: axisY, style: .fg(.muted))
            let endText = Format.duration(span)
            buf.put(endText, x: plot.right - endText.count, y: axisY, style: .fg(.muted))
        }
        var legend: [Span] = [Span(" ")]
        for s in [TrialState.complete, .pruned, .failed, .running] {
            legend.append(Span(String(solid), .fg(s.role)))
            legend.append(Span(" \(s.label)  ", .fg(.muted)))
        }
        legend.append(Span(String(queued), .fg(.waiting)))
        legend.append(Span(" in the cluster's queue  ", .fg(.muted)))
        legend.append(Span(String(glyphs.track), .fg(.muted)))
        legend.append(Span(" idle", .fg(.muted)))
        buf.put(legend, x: area.x, y: min(area.bottom - 1, axisY + 1), maxWidth: area.width)
    }
}
