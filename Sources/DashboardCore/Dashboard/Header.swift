import Foundation
import HyperOpt

/// Study, sampler, criterion and phase; time and progress; counts per state; the best set so far.
struct HeaderPanel: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 4 else { return }
        if area.height >= 5, state.showsMachine, let machine = state.study.machine {
            MachineRow(machine: machine).render(Rect(x: area.x, y: area.y + 4, width: area.width, height: 1), &buf, glyphs: glyphs)
        }
        let g = state.glyphs
        let study = state.study
        let spec = state.spec

        // Row 1: what is running, and in which phase.
        let bar = Style(fg: .title, bg: .headerBar, bold: true)
        buf.fill(area.row(0), with: Cell(" ", style: bar))
        var title = " hypertop  \(spec?.studyName ?? "waiting for the study to start")"
        if let info = study.info {
            title += "  sampler \(info.samplerName)  \(info.goal(evidence: state.best.flatMap { study.trial($0.firstTrial) }))"
        }
        var phase = " \(state.mode == .browse ? "DONE" : study.phase.rawValue) "
        if state.mode == .watch { phase = " watch" + phase }
        if state.mode == .attach { phase = " attached" + phase }
        if state.mode == .browse { phase = " browse" + phase }
        let phaseWidth = phase.count
        // Where it is narrow, the program's name gives way to what the scores are.
        if Format.width(title) > area.width - phaseWidth - 1 { title = String(title.dropFirst(" hypertop ".count)) }
        buf.put(title, x: area.x, y: area.y, maxWidth: area.width - phaseWidth - 1, style: bar)
        buf.put(phase, x: area.right - phaseWidth, y: area.y,
                style: Style(fg: study.phase.role, bg: .headerBar, bold: true))

        // Row 2: time against the budget, trials launched against max_trials.
        let y2 = area.y + 1
        var timeText = ""
        if let start = study.info?.startedAt {
            let elapsed = (state.endedAt ?? state.now).timeIntervalSince(start)
            timeText = " elapsed \(Format.duration(elapsed))"
            if let minutes = spec?.maxDurationMinutes {
                timeText += "  left \(Format.duration(max(0, minutes * 60 - elapsed)))"
                timeText += " of \(Format.duration(minutes * 60))"
            }
            // When the budget will be spent at this pace (or the time limit, when it comes first).
            if state.isRunning, let eta = StudyETA.remaining(study, now: state.now) {
                timeText += "  eta \(Format.duration(eta.seconds))" + (eta.byTimeLimit ? " (time limit)" : "")
            }
        }
        var x = area.x + buf.put(timeText, x: area.x, y: y2, style: .plain)
        // As the engine counts them: trials lost with a dead engine gave their place back.
        let launched = study.budgetUsed, lost = study.lostCount
        x += buf.put("   trials ", x: x, y: y2, style: .fg(.muted))
        if let info = study.info, info.maxTrials == nil {
            // The store does not hold the budget of a study another program ran.
            buf.put(" \(launched) launched, max_trials \(StudyInfo.unknown)", x: x, y: y2, style: .plain)
        } else {
            let maxTrials = spec?.maxTrials ?? 0
            let countText = " \(launched)/\(maxTrials) launched" + (lost > 0 ? " (+\(lost) lost)" : "")
            let gaugeWidth = max(0, area.right - x - countText.count)
            Gauge(fraction: maxTrials > 0 ? Double(launched) / Double(maxTrials) : 0)
                .render(Rect(x: x, y: y2, width: min(gaugeWidth, 60), height: 1), &buf, glyphs: g)
            buf.put(countText, x: x + min(gaugeWidth, 60), y: y2, style: .plain)
        }

        // Row 3: counts per state, and how the table is sorted and filtered.
        let y3 = area.y + 2
        var spans: [Span] = [Span(" ")]
        for s in [TrialState.running, .complete, .pruned, .failed, .waiting] {
            let n = state.count(s)
            if s == .waiting && n == 0 { continue }
            spans.append(Span(s.label + " ", .fg(.muted)))
            spans.append(Span("\(n)", Style(fg: s.role, bold: n > 0)))
            spans.append(Span("  "))
        }
        spans.append(Span("sets ", .fg(.muted)))
        spans.append(Span("\(study.paramSets.count)"))
        buf.put(spans, x: area.x, y: y3, maxWidth: area.width)
        var view = "sort \(TrialColumn.sorting(by: state.sort, state).name)\(state.descending ? g.descending : g.ascending)"
        if let f = state.stateFilter { view += "  state \(f.rawValue.lowercased())" }
        if !state.filterText.isEmpty { view += "  filter \"\(state.filterText)\"" }
        if state.rows.count != study.trials.count { view += "  \(state.rows.count) shown" }
        let viewText = view + " "
        let used = spans.reduce(0) { $0 + Format.width($1.text) }
        if used + Format.width(viewText) + 2 <= area.width {
            buf.put(viewText, x: area.right - Format.width(viewText), y: y3, style: .fg(.muted))
        }

        // Row 4: the best parameter set by the mean of its repeats; for several objectives, the front.
        let y4 = area.y + 3
        if study.isMultiObjective {
            buf.put(frontSpans(), x: area.x, y: y4, maxWidth: area.width)
            return
        }
        guard let best = state.best, let mean = best.mean else {
            buf.put(" best  no complete trial yet", x: area.x, y: y4, maxWidth: area.width, style: .fg(.muted))
            return
        }
        var bestSpans = [
            Span(" best ", .fg(.muted)),
            Span(Format.number(mean, width: 7), Style(fg: .best, bold: true)),
        ]
        // mean ± the half-width of its 95% interval (Student's t over the set's runs).
        if let half = best.interval95 { bestSpans.append(Span(g.plusMinus + Format.number(half, width: 6))) }
        bestSpans.append(Span(best.interval95 == nil ? "  n=\(best.count)  " : " (95%) n=\(best.count)  ", .fg(.muted)))
        bestSpans.append(Span("#\(best.firstTrial) ", .fg(.muted)))
        // How long the best has stood still (trials finished and time since its record).
        let h = state.history
        if let since = h.timeSinceRecord(now: state.endedAt ?? state.now), h.recordTrial != nil {
            let limit = spec?.stopWhenStagnant.map { "/\($0)" } ?? ""
            bestSpans.append(Span(h.trialsSinceRecord == 0 ? " new best " : " no gain \(h.trialsSinceRecord)\(limit) trial\(h.trialsSinceRecord == 1 && limit.isEmpty ? "" : "s") \(Format.duration(since)) ",
                                  .fg(h.trialsSinceRecord == 0 ? .best : .warning)))
        }
        for p in spec?.space.parameters ?? [] {
            guard let v = best.params[p.name] else { continue }
            bestSpans.append(Span(" \(Format.shortName(p.name))=", .fg(.muted)))
            bestSpans.append(Span(Format.param(v, width: 9), .fg(.best)))
        }
        buf.put(bestSpans, x: area.x, y: y4, maxWidth: area.width)
    }
}

extension HeaderPanel {
    /// "front 7 sets  hv 12.3 (+0.4 at #41)": the front's size and its hypervolume, with the
    /// last trial that grew it; then the first-objective best's parameters where there is room.
    func frontSpans() -> [Span] {
        let front = state.front
        guard !front.isEmpty else {
            let infeasible = state.study.paramSets.contains { $0.count > 0 && !$0.isFeasible }
            return [Span(infeasible ? " front  no feasible set yet" : " front  no complete trial yet", .fg(.muted))]
        }
        let history = state.frontHistory
        var spans = [Span(" front ", .fg(.muted)), Span("\(front.count)", Style(fg: .best, bold: true)),
                     Span(front.count == 1 ? " set" : " sets", .fg(.muted)),
                     Span("  hv ", .fg(.muted)), Span(Format.number(history.hypervolume, width: 7), Style(fg: .best, bold: true))]
        if let gain = history.lastGain {
            spans.append(Span(" (+\(Format.number(gain.gain, width: 6)) at #\(gain.trial))", .fg(.muted)))
        }
        let since = history.points.reversed().prefix { !$0.gained }.count
        if history.lastGain != nil {
            spans.append(Span(since == 0 ? "  grew with the last trial " : "  no gain \(since) trial\(since == 1 ? "" : "s") ",
                              .fg(since == 0 ? .best : .warning)))
        }
        return spans
    }
}

/// The header's fifth row while an engine measures the machine: htop's meters for the CPUs, the
/// memory and each GPU (or why there is none).
struct MachineRow: Widget {
    let machine: MachineUsage

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 1, area.width >= 20 else { return }
        let m = machine
        let shownGPUs = Array(m.gpus.prefix(4))
        var meters = [
            Meter(label: " cpu", fraction: m.cpuPercent / 100, text: "\(Format.percent(m.cpuPercent))% of \(m.cpus)"),
            Meter(label: " mem", fraction: m.memoryTotal > 0 ? Double(m.memoryUsed) / Double(m.memoryTotal) : 0,
                  text: "\(Format.bytes(m.memoryUsed))/\(Format.bytes(m.memoryTotal))"),
        ]
        for g in shownGPUs {
            let use = g.utilization.map { "\(Format.percent($0))% " } ?? ""
            meters.append(Meter(label: " gpu\(g.index)", fraction: (g.utilization ?? 0) / 100,
                                text: use + "\(Format.bytes(g.memoryUsed))/\(Format.bytes(g.memoryTotal))"))
        }
        // Without a GPU, the row says so (and why, where there is room).
        var tail = ""
        if shownGPUs.isEmpty {
            let why = m.gpuNote ?? "no GPU"
            tail = area.width >= 110 ? "  " + why + " " : "  no GPU "
        } else if m.gpus.count > shownGPUs.count {
            tail = "  +\(m.gpus.count - shownGPUs.count) GPUs "
        }
        let tailWidth = Format.width(tail)
        let room = area.width - tailWidth
        let each = room / meters.count
        for (i, meter) in meters.enumerated() {
            meter.render(Rect(x: area.x + i * each, y: area.y, width: each - (i == meters.count - 1 ? 0 : 1), height: 1), &buf, glyphs: glyphs)
        }
        if !tail.isEmpty { buf.put(tail, x: area.right - tailWidth, y: area.y, maxWidth: tailWidth, style: .fg(.muted)) }
    }
}
