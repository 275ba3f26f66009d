import Foundation
@testable import SweepEngine
import TestSupport
import XCTest

/// Issue 28: the scalars of TensorBoard's events, however the writer put them.
final class TensorBoardEventsTests: XCTestCase {
    private func event(step: Int64 = 7, wallTime: Double = 1_700_000_000.25, _ values: [Tensorboard_Summary.Value]) throws -> [UInt8] {
        var e = Tensorboard_Event()
        e.step = step
        e.wallTime = wallTime
        e.summary.value = values
        return try e.serializedBytes()
    }

    private func value(_ tag: String, plugin: String? = nil, _ fill: (inout Tensorboard_Summary.Value) -> Void) -> Tensorboard_Summary.Value {
        var v = Tensorboard_Summary.Value()
        v.tag = tag
        if let plugin { v.metadata.pluginData.pluginName = plugin }
        fill(&v)
        return v
    }

    private func tensor(_ dtype: Tensorboard_DataType, shape: [Int64] = [], _ fill: (inout Tensorboard_TensorProto) -> Void) -> Tensorboard_TensorProto {
        var t = Tensorboard_TensorProto()
        t.dtype = dtype
        t.tensorShape.dim = shape.map { var d = Tensorboard_TensorShapeProto.Dim(); d.size = $0; return d }
        fill(&t)
        return t
    }

    private func scalars(_ values: [Tensorboard_Summary.Value]) throws -> [Double] {
        try TensorBoardEvents.scalars(inRecord: event(values)).map(\.value)
    }

    /// torch's and tensorboardX's `add_scalar`: a float32 `simple_value`, with the event's step and time.
    func testASimpleValueIsAScalarWithItsEventsStepAndTime() throws {
        let data = try event(step: 1280, wallTime: 1_712_345_678.5, [
            value("losses/value_loss") { $0.simpleValue = 0.1 },
            value("charts/episodic_return") { $0.simpleValue = -3.5 },
        ])
        XCTAssertEqual(try TensorBoardEvents.scalars(inRecord: data), [
            TensorBoardScalar(tag: "losses/value_loss", step: 1280, value: Double(Float(0.1)), wallTime: 1_712_345_678.5),
            TensorBoardScalar(tag: "charts/episodic_return", step: 1280, value: -3.5, wallTime: 1_712_345_678.5),
        ])
    }

    /// torch's `new_style` (float_val, or double_val with `double_precision`), and the other typed fields.
    func testATensorsTypedValueIsAScalar() throws {
        XCTAssertEqual(try scalars([value("f", plugin: "scalars") { $0.tensor = tensor(.dtFloat) { $0.floatVal = [0.25] } }]), [0.25])
        XCTAssertEqual(try scalars([value("d", plugin: "scalars") { $0.tensor = tensor(.dtDouble) { $0.doubleVal = [0.1] } }]), [0.1])
        XCTAssertEqual(try scalars([value("h") { $0.tensor = tensor(.dtHalf) { $0.halfVal = [0x3C00] } }]), [1])
        XCTAssertEqual(try scalars([value("b") { $0.tensor = tensor(.dtBfloat16) { $0.halfVal = [0xC049] } }]), [-3.140625])
        XCTAssertEqual(try scalars([value("i") { $0.tensor = tensor(.dtInt32) { $0.intVal = [-42] } }]), [-42])
        XCTAssertEqual(try scalars([value("i8") { $0.tensor = tensor(.dtInt8) { $0.intVal = [-7] } }]), [-7])
        XCTAssertEqual(try scalars([value("l") { $0.tensor = tensor(.dtInt64) { $0.int64Val = [1 << 40] } }]), [1_099_511_627_776])
        XCTAssertEqual(try scalars([value("u") { $0.tensor = tensor(.dtUint64) { $0.uint64Val = [3] } }]), [3])
        XCTAssertEqual(try scalars([value("t") { $0.tensor = tensor(.dtBool) { $0.boolVal = [true] } }]), [1])
        // A value in the field of another type is no value of this one.
        XCTAssertEqual(try scalars([value("x") { $0.tensor = tensor(.dtDouble) { $0.floatVal = [1] } }]), [])
    }

    /// TF2's writer puts the element's raw bytes in tensor_content (little-endian), by dtype.
    func testTensorContentIsReadByItsDtype() throws {
        let cases: [(Tensorboard_DataType, [UInt8], Double)] = [
            (.dtFloat, [0x00, 0x00, 0xC0, 0x3F], 1.5),
            (.dtDouble, [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0xBF], -0.1),
            (.dtHalf, [0x00, 0xC0], -2),
            (.dtHalf, [0x55, 0x35], 0.333251953125),
            (.dtHalf, [0xFF, 0x7B], 65504),
            (.dtHalf, [0x01, 0x00], 0x1p-24),  // the smallest subnormal
            (.dtHalf, [0x00, 0xFC], -.infinity),
            (.dtBfloat16, [0x80, 0x3F], 1),
            (.dtBfloat16, [0x49, 0xC0], -3.140625),
            (.dtInt8, [0xC8], -56),
            (.dtUint8, [0xC8], 200),
            (.dtInt16, [0xFE, 0xFF], -2),
            (.dtUint16, [0xFE, 0xFF], 65534),
            (.dtInt32, [0xEB, 0x32, 0xA4, 0xF8], -123_456_789),
            (.dtUint32, [0xEB, 0x32, 0xA4, 0xF8], 4_171_510_507),
            (.dtInt64, [0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00], 1_099_511_627_781),
            (.dtInt64, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], -1),
            (.dtUint64, [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80], 0x1p63),
            (.dtBool, [0x01], 1),
            (.dtBool, [0x00], 0),
        ]
        for (dtype, bytes, expected) in cases {
            let got = try scalars([value("c", plugin: "scalars") { $0.tensor = tensor(dtype) { $0.tensorContent = Data(bytes) } }])
            XCTAssertEqual(got, [expected], "\(dtype) \(bytes)")
        }
        let nan = try scalars([value("n") { $0.tensor = tensor(.dtHalf) { $0.tensorContent = Data([0x00, 0x7E]) } }])
        XCTAssertTrue(nan.count == 1 && nan[0].isNaN)
        // tensor_content is read before the typed fields, as TensorFlow reads it.
        XCTAssertEqual(try scalars([value("c") { $0.tensor = tensor(.dtFloat) { $0.tensorContent = Data([0, 0, 0x80, 0x3F]); $0.floatVal = [9] } }]), [1])
        // Bytes that are not one element of the type give nothing.
        XCTAssertEqual(try scalars([value("c") { $0.tensor = tensor(.dtFloat) { $0.tensorContent = Data([0, 0, 0x80]) } }]), [])
        XCTAssertEqual(try scalars([value("c") { $0.tensor = tensor(.dtDouble) { $0.tensorContent = Data([0, 0, 0x80, 0x3F]) } }]), [])
    }

    /// A one-element tensor of any rank counts; more or fewer elements, an unknown shape, a type
    /// that is not a number, a histogram, an image and another plugin's tensor do not.
    func testOnlySingleElementNumbersAreScalars() throws {
        XCTAssertEqual(try scalars([value("1x1") { $0.tensor = tensor(.dtFloat, shape: [1, 1]) { $0.floatVal = [2] } }]), [2])
        let none: [Tensorboard_Summary.Value] = [
            value("vector") { $0.tensor = tensor(.dtFloat, shape: [2]) { $0.floatVal = [1, 2] } },
            value("content vector") { $0.tensor = tensor(.dtFloat, shape: [2]) { $0.tensorContent = Data([0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F]) } },
            value("one broadcast") { $0.tensor = tensor(.dtFloat, shape: [3]) { $0.floatVal = [1] } },
            value("_hparams_/session_start_info", plugin: "hparams") { $0.tensor = tensor(.dtFloat, shape: [0]) { _ in } },
            value("unknown rank") { $0.tensor = tensor(.dtFloat) { $0.floatVal = [1]; $0.tensorShape.unknownRank = true } },
            value("unknown size") { $0.tensor = tensor(.dtFloat, shape: [-1]) { $0.floatVal = [1] } },
            value("two values") { $0.tensor = tensor(.dtFloat) { $0.floatVal = [1, 2] } },
            value("text", plugin: "text") { $0.tensor = tensor(.dtString) { $0.stringVal = [Data("hello".utf8)] } },
            value("string") { $0.tensor = tensor(.dtString) { $0.stringVal = [Data("1.5".utf8)] } },
            value("complex") { $0.tensor = tensor(.dtComplex64) { $0.tensorContent = Data([0, 0, 0x80, 0x3F, 0, 0, 0, 0]) } },
            value("another plugin's number", plugin: "pr_curves") { $0.tensor = tensor(.dtFloat) { $0.floatVal = [1] } },
            value("histogram") { var h = Tensorboard_HistogramProto(); h.num = 1; h.sum = 3; h.bucketLimit = [3]; h.bucket = [1]; $0.histo = h },
            value("image") { var i = Tensorboard_Summary.Image(); i.height = 1; i.width = 1; i.encodedImageString = Data([0x89]); $0.image = i },
            value("no value") { _ in },
        ]
        XCTAssertEqual(try scalars(none), [])
        XCTAssertEqual(try scalars(none + [value("kept") { $0.simpleValue = 4 }]), [4], "the others in the same event do not hide it")
    }

    func testEventsWithoutASummaryGiveNothing() throws {
        var version = Tensorboard_Event()
        version.wallTime = 1
        version.fileVersion = "brain.Event:2"
        var graph = Tensorboard_Event()
        graph.graphDef = Data([0x0A, 0x03, 0x61, 0x62, 0x63])
        XCTAssertEqual(try TensorBoardEvents.scalars(inRecord: version.serializedBytes()), [])
        XCTAssertEqual(try TensorBoardEvents.scalars(inRecord: graph.serializedBytes()), [])
    }

    func testDataThatIsNoEventThrows() throws {
        let whole = try event([value("loss") { $0.simpleValue = 1 }])
        let garbage: [[UInt8]] = [
            [0x0F],  // wire type 7 does not exist
            [0x2A, 0x10, 0x01],  // a summary of 16 bytes with one there
            Array(whole.dropLast(2)),  // an event cut short
            [0x09, 0x00, 0x00],  // a wall time of 2 bytes
            Array("the quick brown fox".utf8),
        ]
        for data in garbage {
            XCTAssertThrowsError(try TensorBoardEvents.scalars(inRecord: data), "\(data)") {
                XCTAssertTrue($0 is TensorBoardEvents.Malformed, "\($0)")
            }
        }
    }

    /// A file torch's `SummaryWriter` wrote (scalars in all three of its ways, with a histogram,
    /// an image, text and hyperparameters beside them), read through `TFRecordFraming`: every
    /// scalar is the one TensorBoard's own accumulator finds, and nothing else comes out.
    func testATorchSummaryWriterFileGivesTensorBoardsScalars() throws {
        let python = try optunaPython()
        guard (try? runProgram(python, ["-c", "import torch.utils.tensorboard, tensorboard, PIL"]))?.status == 0 else {
            throw missingTool("torch's SummaryWriter, tensorboard and PIL not found for \(python) (scripts/install-deps.sh --python)")
        }
        let dir = NSTemporaryDirectory() + "tfevents-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(python, ["-c", """
            import glob, math, sys
            import numpy as np
            from torch.utils.tensorboard import SummaryWriter
            from torch.utils.tensorboard.summary import hparams
            from tensorboard.backend.event_processing import plugin_event_accumulator as pea
            from tensorboard.util import tensor_util
            w = SummaryWriter(sys.argv[1])
            for step in range(40):
                w.add_scalar('charts/episodic_return', step * 0.5 - 3, global_step=step * 128)
                w.add_scalar('losses/value_loss', 1.0 / (step + 1), global_step=step * 128, new_style=True)
                w.add_scalar('losses/precise', 1.0 / (step + 3), global_step=step * 128, new_style=True, double_precision=True)
                if step % 10 == 0:
                    w.add_histogram('weights', np.arange(step + 5), global_step=step * 128)
                    w.add_image('frame', np.zeros((3, 4, 4), dtype=np.uint8), global_step=step * 128)
                    w.add_text('note', 'step %d' % step, global_step=step * 128)
            w.add_scalar('edge/nan', float('nan'), global_step=9999)
            w.add_scalar('edge/inf', float('-inf'), global_step=9999, new_style=True)
            # What add_hparams writes, in this file rather than in a new one.
            for summary in hparams({'lr': 0.1}, {'hparam/score': 0.5}):
                w._get_file_writer().add_summary(summary)
            w.add_scalar('hparam/score', 0.5)
            w.close()
            (path,) = glob.glob(sys.argv[1] + '/events.out.tfevents.*')
            print(path)
            acc = pea.EventAccumulator(path, size_guidance={pea.TENSORS: 0})
            acc.Reload()
            for tag in sorted(acc.PluginTagToContent('scalars')):
                for e in acc.Tensors(tag):
                    v = tensor_util.make_ndarray(e.tensor_proto).item()
                    print(tag, e.step, float(v).hex(), float(e.wall_time).hex())
            """, dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let path = try XCTUnwrap(lines.first)
        let expected: [TensorBoardScalar] = try lines.dropFirst().map { line in
            let f = line.split(separator: " ").map(String.init)
            return TensorBoardScalar(tag: f[0], step: try XCTUnwrap(Int64(f[1])), value: try XCTUnwrap(Double(f[2])), wallTime: try XCTUnwrap(Double(f[3])))
        }
        var framing = TFRecordFraming()
        framing.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        var ours: [TensorBoardScalar] = []
        var records = 0
        while let record = try framing.next() {
            ours += try TensorBoardEvents.scalars(inRecord: record)
            records += 1
        }
        // TensorBoard lists by tag, each in file order; NaN is compared by its bits.
        func key(_ s: TensorBoardScalar) -> String { "\(s.tag) \(s.step) \(s.value.bitPattern) \(s.wallTime)" }
        let byTag = ours.enumerated().sorted { ($0.element.tag, $0.offset) < ($1.element.tag, $1.offset) }.map(\.element)
        XCTAssertEqual(byTag.map(key), expected.map(key))
        XCTAssertEqual(expected.count, 40 * 3 + 2 + 1, "three scalars a step, the two edges and the hparams metric")
        XCTAssertGreaterThan(records, expected.count, "the histograms, images, text and hparams records are there and give nothing")
    }
}
