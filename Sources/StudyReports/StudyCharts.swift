import DashboardCore
import Foundation
import HyperOpt

/// The report's charts as SVG, drawn from the study: every value comes from the store.
public struct StudyCharts {
    let study: Study
    public init(_ study: Study) { self.study = study }

    static let width = 720.0, height = 320.0
    static let margin = (left: 70.0, right: 20.0, top: 30.0, bottom: 40.0)

    func svg(_ title: String, _ body: [String], height: Double = StudyCharts.height) -> String {
        ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">",
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
         "<text x=\"\(Self.margin.left)\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"]
            .joined(separator: "\n") + "\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// `s` as XML text or attribute: markup escaped, and what XML cannot hold (C0 controls but
    /// tab, U+FFFE, U+FFFF) shown as `\u{1B}`, as a terminal shows it (`ProcessText.printable`,
    /// which also shows C1 and bidi controls so), so that the SVG parses and reads as the report.
    func escape(_ s: String) -> String {
        var text = ProcessText.printable(s)
        if text.unicodeScalars.contains(where: { $0.value == 0xFFFE || $0.value == 0xFFFF }) {
            text = text.unicodeScalars.map { $0.value >= 0xFFFE && $0.value <= 0xFFFF ? "\\u{\(String($0.value, radix: 16, uppercase: true))}" : String($0) }.joined()
        }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Axes with the y range's ends labelled; returns (x, y) mappers into the plot.
    func axes(_ body: inout [String], x: (Double, Double), y: (Double, Double), xLabel: String, top: Double = StudyCharts.margin.top,
              height: Double = StudyCharts.height) -> ((Double) -> Double, (Double) -> Double) {
        let m = Self.margin
        let left = m.left, right = Self.width - m.right, bottom = height - m.bottom
        body.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
        body.append("<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
        body.append("<text x=\"\(f(left - 6))\" y=\"\(f(top + 4))\" text-anchor=\"end\">\(escape(Format.number(y.1, width: 8)))</text>")
        body.append("<text x=\"\(f(left - 6))\" y=\"\(f(bottom))\" text-anchor=\"end\">\(escape(Format.number(y.0, width: 8)))</text>")
        body.append("<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 28))\" text-anchor=\"middle\" fill=\"#444\">\(escape(xLabel))</text>")
        let sx = { (v: Double) in left + (x.1 > x.0 ? (v - x.0) / (x.1 - x.0) : 0.5) * (right - left) }
        let sy = { (v: Double) in bottom - (y.1 > y.0 ? (v - y.0) / (y.1 - y.0) : 0.5) * (bottom - top) }
        return (sx, sy)
    }

    /// Every finished trial's score by the order trials ended (circles; pruned and failed as
    /// crosses on the axis), the best so far as a step line.
    public func history() -> String {
        let h = StudyHistory(study)
        var body: [String] = []
        let scores = h.points.compactMap(\.score)
        guard let lo = scores.min(), let hi = scores.max() else { return svg("History: no complete trial yet", []) }
        let pad = hi > lo ? 0 : max(1e-9, abs(hi) * 0.05)
        let (sx, sy) = axes(&body, x: (1, Double(max(2, h.points.count))), y: (lo - pad, hi + pad), xLabel: "trials, in the order they ended")
        // The record of the best set's mean, as a step line through the trials' order.
        var path = "", lastY = ""
        for p in h.points {
            guard let r = p.record else { continue }
            let x = f(sx(Double(p.index))), y = f(sy(r))
            path += lastY.isEmpty ? "M\(x),\(y)" : " L\(x),\(lastY) L\(x),\(y)"
            lastY = y
        }
        for p in h.points {
            if let s = p.score {
                body.append("<circle class=\"trial\" data-trial=\"\(p.trial)\" cx=\"\(f(sx(Double(p.index))))\" cy=\"\(f(sy(s)))\" r=\"3\" fill=\"#4a90d9\"/>")
            } else if p.state == .pruned || p.state == .failed {
                let x = sx(Double(p.index)), y = Self.height - Self.margin.bottom
                body.append("<text class=\"\(p.state == .failed ? "failed" : "pruned")\" x=\"\(f(x))\" y=\"\(f(y - 4))\" text-anchor=\"middle\" fill=\"\(p.state == .failed ? "#d9534f" : "#a07cc5")\">\(p.state == .failed ? "x" : "p")</text>")
            }
        }
        if !path.isEmpty { body.append("<path class=\"best\" d=\"\(path)\" fill=\"none\" stroke=\"#e6a700\" stroke-width=\"2\"/>") }
        return svg("Best so far (\(Format.number(h.record ?? .nan, width: 9))) and every trial's score", body)
    }

    /// A study of several objectives: every complete feasible set's means on the first two
    /// objectives (circles), infeasible sets as grey crosses, the front's sets filled and joined
    /// by its step line (the region they dominate lies beyond it).
    public func front() -> String {
        let names = study.info?.spec.objectiveNames ?? ["values[0]", "values[1]"]
        let directions = study.directions
        guard directions.count > 1 else { return svg("Pareto front: the study has one objective", []) }
        let sets = study.paramSets.filter { $0.means.map { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite } ?? false }
        guard !sets.isEmpty else { return svg("Pareto front: no complete trial yet", []) }
        let xs = sets.map { $0.means![0] }, ys = sets.map { $0.means![1] }
        let (x0, x1, y0, y1) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
        let px = x1 > x0 ? 0 : max(1e-9, abs(x1) * 0.05), py = y1 > y0 ? 0 : max(1e-9, abs(y1) * 0.05)
        var body: [String] = []
        let arrow = { (d: Direction) in d == .minimize ? " ↓" : " ↑" }
        let (sx, sy) = axes(&body, x: (x0 - px, x1 + px), y: (y0 - py, y1 + py), xLabel: names[0] + arrow(directions[0]))
        body.append("<text x=\"14\" y=\"\(f(Self.height / 2))\" transform=\"rotate(-90 14 \(f(Self.height / 2)))\" text-anchor=\"middle\" fill=\"#444\">\(escape(names[1] + arrow(directions[1])))</text>")
        let front = study.front.filter { $0.means.map { $0.count >= 2 } ?? false }
        let onFront = Set(front.map(\.paramSet))
        // The step line, from the best in the first objective along the front.
        let ordered = front.sorted { a, b in directions[0].isBetter(a.means![0], than: b.means![0]) }
        var path = ""
        for (i, set) in ordered.enumerated() {
            let x = f(sx(set.means![0])), y = f(sy(set.means![1]))
            path += i == 0 ? "M\(x),\(y)" : " L\(x),\(f(sy(ordered[i - 1].means![1]))) L\(x),\(y)"
        }
        if !path.isEmpty { body.append("<path class=\"front\" d=\"\(path)\" fill=\"none\" stroke=\"#e6a700\" stroke-width=\"2\"/>") }
        for set in sets {
            let (cx, cy) = (f(sx(set.means![0])), f(sy(set.means![1])))
            if !set.isFeasible {
                body.append("<text class=\"infeasible\" data-set=\"\(set.paramSet)\" x=\"\(cx)\" y=\"\(f(sy(set.means![1]) + 4))\" text-anchor=\"middle\" fill=\"#999\">x</text>")
            } else if onFront.contains(set.paramSet) {
                body.append("<circle class=\"front\" data-set=\"\(set.paramSet)\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"4\" fill=\"#e6a700\"/>")
            } else {
                body.append("<circle class=\"set\" data-set=\"\(set.paramSet)\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"3\" fill=\"none\" stroke=\"#4a90d9\"/>")
            }
        }
        return svg("Pareto front: \(front.count) of \(sets.count) sets (\(names[0]) and \(names[1]))", body)
    }

    /// Each parameter's importance as a horizontal bar, the largest first.
    public func importance() -> String {
        let items = study.importances
        let rowHeight = 26.0
        let height = Self.margin.top + 20 + rowHeight * Double(max(1, items.count)) + 20
        var body: [String] = []
        let left = 200.0, right = Self.width - 140
        for (i, p) in items.enumerated() {
            let y = Self.margin.top + 20 + rowHeight * Double(i)
            body.append("<text x=\"\(f(left - 8))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(escape(Format.shortName(p.name)))</text>")
            body.append("<rect class=\"importance\" data-param=\"\(escape(p.name))\" data-share=\"\(p.share)\" x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(max(0.5, p.share * (right - left))))\" height=\"18\" fill=\"\(i == 0 ? "#e6a700" : "#4a90d9")\"/>")
            body.append("<text x=\"\(f(left + p.share * (right - left) + 6))\" y=\"\(f(y + 14))\">\(String(format: "%.0f%%", p.share * 100))  \(escape(p.directionText(arrow: "→", label: Format.shortName(p.name))))</text>")
        }
        return svg("Importance (PED-ANOVA over \(items.map(\.n).max() ?? 0) complete trials)", body, height: height)
    }

    /// One small scatter per parameter: the score against the parameter's value (log axes for
    /// log parameters, categorical values spread evenly).
    public func slices() -> String {
        guard let spec = study.info?.spec else { return svg("Slices", []) }
        let complete = study.trials.filter { $0.state == .complete && ($0.score?.isFinite ?? false) }
        let parameters = spec.space.parameters
        let columns = 2, cellHeight = 220.0
        let height = Self.margin.top + cellHeight * Double((parameters.count + columns - 1) / columns) + 10
        var body: [String] = []
        let scores = complete.compactMap(\.score)
        guard let lo = scores.min(), let hi = scores.max() else { return svg("Slices: no complete trial yet", []) }
        let cellWidth = (Self.width - 20) / Double(columns)
        for (i, p) in parameters.enumerated() {
            let x0 = 10 + cellWidth * Double(i % columns), y0 = Self.margin.top + cellHeight * Double(i / columns)
            let left = x0 + 60, right = x0 + cellWidth - 10, top = y0 + 24, bottom = y0 + cellHeight - 36
            body.append("<text x=\"\(f(left))\" y=\"\(f(y0 + 16))\" font-weight=\"bold\">\(escape(Format.shortName(p.name)))</text>")
            body.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
            body.append("<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
            body.append("<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" text-anchor=\"end\" font-size=\"10\">\(escape(Format.number(hi, width: 7)))</text>")
            body.append("<text x=\"\(f(left - 4))\" y=\"\(f(bottom))\" text-anchor=\"end\" font-size=\"10\">\(escape(Format.number(lo, width: 7)))</text>")
            let (a, b): (String, String)
            switch p.distribution {
            case .float(let l, let h, let log, _): (a, b) = (Format.number(l, width: 7), Format.number(h, width: 7) + (log ? " (log)" : ""))
            case .int(let l, let h, let log, _): (a, b) = (String(l), String(h) + (log ? " (log)" : ""))
            case .categorical(let c): (a, b) = (c.first?.description ?? "", c.last?.description ?? "")
            }
            body.append("<text x=\"\(f(left))\" y=\"\(f(bottom + 14))\" font-size=\"10\">\(escape(a))</text>")
            body.append("<text x=\"\(f(right))\" y=\"\(f(bottom + 14))\" text-anchor=\"end\" font-size=\"10\">\(escape(b))</text>")
            for t in complete {
                guard let v = t.launch.params[p.name], let pos = axisPosition(v, p.distribution), let s = t.score else { continue }
                let x = left + pos * (right - left), y = bottom - (hi > lo ? (s - lo) / (hi - lo) : 0.5) * (bottom - top)
                body.append("<circle class=\"trial\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"2.5\" fill=\"#4a90d9\" fill-opacity=\"0.7\"/>")
            }
        }
        return svg("Score against each parameter (\(complete.count) complete trials)", body, height: height)
    }
}
