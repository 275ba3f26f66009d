import Foundation
import SwiftProtobuf

/// What a W&B run says of itself in its run record: enough to tell a sweep's trials apart.
struct WandbRunInfo: Equatable {
    var id: String
    var group: String
    /// The run's display name (`wandb.init(name:)`, `WANDB_NAME`).
    var name: String
    var jobType: String
    var project: String
}

/// One record of a W&B run file (one `wandb_internal.Record`), as far as hypertop cares: a
/// history row (what one `wandb.log` step logged), the run's own record, or anything else.
enum WandbRecord {
    /// A history row's numbers, keys as W&B shows them (nested keys joined with "."), in the
    /// record's order. `step` is the row's step (`HistoryStep.num`, else its `_step` item).
    case history(step: Int64?, values: [(key: String, value: Double)])
    case run(WandbRunInfo)
    case other

    /// The record's data is not a W&B record: the caller counts the record as malformed.
    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "the record is not a W&B record (\(reason))" }
    }

    static func decode(_ data: [UInt8]) throws -> WandbRecord {
        let record: WandbInternal_Record
        do {
            record = try WandbInternal_Record(serializedBytes: data)
        } catch {
            throw Malformed(reason: "\(error)")
        }
        switch record.recordType {
        case .history(let row)?:
            return history(row)
        case .run(let run)?:
            return .run(WandbRunInfo(id: run.runID, group: run.runGroup, name: run.displayName, jobType: run.jobType, project: run.project))
        default:
            return .other
        }
    }

    /// Numbers are kept; strings, booleans, nulls, lists and media are not metrics. W&B's own
    /// keys (`_step`, `_runtime`, `_timestamp`, all starting with "_") are left out too.
    static func history(_ h: WandbInternal_HistoryRecord) -> WandbRecord {
        let paths = h.item.map { $0.nestedKey.isEmpty ? [$0.key] : $0.nestedKey }
        // wandb-core flattens a logged dict into one item per leaf, so a media value
        // (wandb.Image, Table, Histogram) arrives as items under its key, one of them `_type`;
        // its numbers (an image's width, a table's row count) are not metrics.
        let media = Set(paths.filter { $0.count > 1 && $0.last == "_type" }.map { Array($0.dropLast()) })
        var values: [(key: String, value: Double)] = []
        var stepItem: Int64?
        for (item, path) in zip(h.item, paths) {
            let key = path.joined(separator: ".")
            guard let value = number(item) else { continue }
            if key == "_step" { stepItem = Int64(exactly: value) }
            if key.hasPrefix("_") || (1..<max(path.count, 1)).contains(where: { media.contains(Array(path.prefix($0))) }) { continue }
            values.append((key, value))
        }
        return .history(step: h.hasStep ? h.step.num : stepItem, values: values)
    }

    /// The item's value if it is a number. wandb 0.31 writes JSON text (`value_json`), with
    /// NaN and the infinities as JavaScript spells them; a typed value is read too.
    static func number(_ item: WandbInternal_HistoryItem) -> Double? {
        switch item.value {
        case .integer(let n)?: return Double(n)
        case .number(let x)?: return x
        case .json(let text)?: return number(json: text)
        case .boolean?, .text?: return nil
        case nil: return number(json: item.valueJson)
        }
    }

    /// A JSON number, or NaN, Infinity, -Infinity; nil for any other JSON value.
    static func number(json: String) -> Double? {
        let text = json.trimmingCharacters(in: .whitespacesAndNewlines)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            // JSON's number grammar, so that Swift's parser takes no hex, "inf" or "nan" spelling.
            guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
                  text.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }) else { return nil }
            return Double(text)
        }
    }
}
