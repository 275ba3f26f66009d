import Foundation
import HyperOpt

/// Applies one message to the dashboard and says what the program around it must do.
/// Pure: the effects are requests, performed by the caller (see `DashboardRunner`).
public func update(_ state: inout DashboardState, _ msg: DashboardMsg) -> [DashboardEffect] {
    switch msg {
    case .key(let key):
        return state.handle(key)
    case .event(let event):
        state.apply([event])
    case .events(let events):
        state.apply(events)
    case .replaceStudy(let study):
        state.study = study
        state.noteUsage(of: study.trials)
        state.criterionRange = nil
        for t in study.trials { state.widenCriterionRange(t.metrics) }
        state.resummarize()
        state.recount()
        state.timeline = SlotTimeline(study)
        state.reorderKeepingSelection()
    case .resize(let width, let height):
        state.size = Size(width: max(0, width), height: max(0, height))
        state.repairScroll()
    case .tick(let date):
        state.now = date
        if state.summariesStale { state.resummarize() }
        if state.sort == .duration { state.reorderKeepingSelection() }
    case .streamEnded:
        state.streamEnded = true
        if state.study.phase != .done && state.mode != .browse { state.status = "the study's event stream ended" }
    case .interrupt:
        return [.interrupted]
    case .effectResult(let text):
        state.status = text
    case .notes(let notes, let status):
        state.notes = notes
        if let status { state.status = status }
    }
    return []
}

extension DashboardState {
    mutating func apply(_ events: [EngineEvent]) {
        var reorder = false, resummarize = false
        for event in events {
            study.apply(event)
            switch event {
            case .started:
                reorder = true
                resummarize = true
            case .launched:
                reorder = true
            case .metrics(_, let rows):
                widenCriterionRange(rows)
                if sort == .progress || sort == .latest { reorder = true }
            case .output(let trial, let stream, let lines):
                appendOutput(trial, stream, lines)
            case .finished(let outcome):
                reorder = true
                resummarize = true
                if overlay == .confirmKill(trial: outcome.number) {
                    overlay = nil
                    status = "trial \(outcome.number) ended before it was killed"
                }
            case .phase(let phase, let reason):
                status = reason ?? "study \(phase.rawValue.lowercased())"
                if phase == .done {
                    endedAt = study.trials.compactMap { $0.outcome?.endedAt }.max() ?? now
                    if overlay == .confirmQuit || overlay == .confirmKillAll { overlay = nil }
                    status = (reason.map { $0 + "; " } ?? "") + "study done: q quits"
                } else {
                    endedAt = nil
                }
            case .message(let text, _):
                status = text
            case .queued, .jobStarted:
                reorder = true
            case .pruneCheck, .curveSource:
                break
            case .usage(let sample):
                if !showsUsage || (!showsGPU && !sample.machine.gpus.isEmpty) { noteUsage(of: []) }
                if sort == .cpu || sort == .memory || sort == .gpu { reorder = true }
            case .resourceTotals(let trial, _):
                if !showsUsage || !showsGPU, let t = study.trial(trial) { noteUsage(of: [t]) }
            }
        }
        if resummarize {
            // A large study's summaries wait for the next tick, so a burst of ends costs one
            // recomputation, not one per event batch.
            if study.trials.count < DashboardState.deferredSummaryThreshold { self.resummarize() } else { summariesStale = true }
        }
        if reorder {
            timeline = SlotTimeline(study)
            recount()
            reorderKeepingSelection()
        }
    }

    /// Rebuilds the row order; the selected trial keeps its place on screen when it can.
    mutating func reorderKeepingSelection() {
        let oldRow = selectedRow
        let screenRow = oldRow.map { $0 - offset }
        rebuildRows()
        if let n = selectedTrial, let row = rows.firstIndex(where: { study.trials[$0].number == n }) {
            if let screenRow { offset = row - screenRow }
        } else if !rows.isEmpty {
            // The selection left the table (filtered out): take the row that now sits where it was.
            let row = min(oldRow ?? 0, rows.count - 1)
            selectedTrial = study.trials[rows[row]].number
        } else {
            selectedTrial = nil
        }
        repairScroll()
    }

    var pageRows: Int { Table.visibleRows(in: MainLayout(size, machineRow: showsMachine).table) }

    mutating func repairScroll() {
        let scroll = TableScroll(selected: selectedRow, offset: offset).repaired(count: rows.count, visible: pageRows)
        offset = scroll.offset
    }

    mutating func select(row: Int) {
        guard !rows.isEmpty else { return }
        let r = min(max(row, 0), rows.count - 1)
        selectedTrial = study.trials[rows[r]].number
        repairScroll()
    }
}
