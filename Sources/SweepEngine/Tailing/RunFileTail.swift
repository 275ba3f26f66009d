import Foundation
import HyperOpt

/// A file a trial's job writes through a logging library, read as it grows: a TensorBoard event
/// file (TFRecord framing, one `Event` per record) or a W&B run file (LevelDB-log framing, one
/// `Record` per record). Each scalar becomes a metric row at its step, so every point is kept,
/// two at one step included (see `MetricTailer`).
struct RunFileTail {
    enum Kind: String, Sendable {
        case tensorboard = "tfevents"
        case wandb

        /// The kind of run file a name is, if it is one: `events.out.tfevents.*` (TensorBoard,
        /// tensorboardX, TF2) or `run-<id>.wandb` (W&B).
        init?(fileName name: String) {
            if name.hasPrefix("events.out.tfevents.") {
                self = .tensorboard
            } else if name.hasPrefix("run-"), name.hasSuffix(".wandb") {
                self = .wandb
            } else {
                return nil
            }
        }
    }

    let kind: Kind
    var path: String { tail.path }
    private var tail: FileTail
    private var tensorboard = TFRecordFraming()
    private var wandb = WandbLogFraming()
    /// Records whose content was not a decodable event or record.
    private(set) var malformed = 0

    init(kind: Kind, path: String) {
        self.kind = kind
        tail = FileTail(path: path)
    }

    /// Records passed over because their checksum did not match.
    var corruptRecords: Int { kind == .tensorboard ? tensorboard.corruptRecords : wandb.corruptRecords }

    /// Why the rest of the file cannot be read, once its framing is lost.
    var failure: String? {
        switch kind {
        case .tensorboard: return tensorboard.failure.map { "\(path): \($0)" }
        case .wandb: return wandb.failure.map { "\(path): \($0)" }
        }
    }

    struct Read {
        var rows: [MetricRow] = []
        var more = false
        var problem: String?
    }

    /// The rows of the records completed since the last poll. A record still being written waits
    /// for the rest; a corrupt one is counted and passed over; once the framing is lost nothing
    /// more is read (the tailer says why once).
    mutating func poll() -> Read {
        let (bytes, fileRead) = tail.readBytes()
        var out = Read(more: fileRead.more, problem: fileRead.problem)
        if fileRead.rewound {
            tensorboard = TFRecordFraming()
            wandb = WandbLogFraming()
        }
        switch kind {
        case .tensorboard:
            tensorboard.append(bytes)
            while let record = try? tensorboard.next() {
                do {
                    for scalar in try TensorBoardEvents.scalars(inRecord: record) {
                        out.rows.append(MetricRow(step: Int(clamping: scalar.step), values: [scalar.tag: scalar.value]))
                    }
                } catch {
                    malformed += 1
                }
            }
        case .wandb:
            wandb.append(bytes)
            while let record = try? wandb.next() {
                switch try? WandbRecord.decode(record) {
                case .history(let step, let values)?:
                    guard !values.isEmpty else { continue }
                    out.rows.append(MetricRow(step: step.map { Int(clamping: $0) },
                                              values: Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })))
                case .run?, .other?:
                    break
                case nil:
                    malformed += 1
                }
            }
        }
        return out
    }
}
