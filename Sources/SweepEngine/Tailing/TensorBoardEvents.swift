import SwiftProtobuf

/// One scalar of a TensorBoard event file: a point of the curve TensorBoard draws for `tag`.
struct TensorBoardScalar: Equatable {
    var tag: String
    var step: Int64
    var value: Double
    /// Seconds since the epoch when the event was written.
    var wallTime: Double
}

/// The scalars of TensorBoard's events, one TFRecord's data (one `Event`) at a time. Writers
/// put a scalar three ways, and all three are read: `simple_value` (torch's `SummaryWriter`,
/// tensorboardX, TF1), a one-element tensor in its typed field (`float_val`, `double_val`, ...;
/// torch's `new_style`), or in `tensor_content` as raw little-endian bytes (TF2's C++ writer,
/// with plugin "scalars"). Everything else (histograms, images, text, audio, the graph, the
/// file's version record, tensors of more than one element or of no number type, and a tensor
/// another plugin claims) gives no scalar.
enum TensorBoardEvents {
    /// The record's data is not an `Event`: the caller counts the record as malformed.
    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "the record is not a TensorBoard event (\(reason))" }
    }

    static func scalars(inRecord data: [UInt8]) throws -> [TensorBoardScalar] {
        let event: Tensorboard_Event
        do {
            event = try Tensorboard_Event(serializedBytes: data)
        } catch {
            throw Malformed(reason: "\(error)")
        }
        guard case .summary(let summary)? = event.what else { return [] }
        return summary.value.compactMap { v in
            value(of: v).map { TensorBoardScalar(tag: v.tag, step: event.step, value: $0, wallTime: event.wallTime) }
        }
    }

    /// A summary value's number, if it is a scalar.
    static func value(of v: Tensorboard_Summary.Value) -> Double? {
        switch v.value {
        case .simpleValue(let x)?:
            return Double(x)
        case .tensor(let tensor)?:
            // A plugin's own one-element tensors are its data, not a curve (TensorBoard shows
            // only the "scalars" plugin's tensors as scalars). TF1's writer sends a tag's
            // metadata only with its first value, so no plugin also counts.
            let plugin = v.metadata.pluginData.pluginName
            guard plugin.isEmpty || plugin == "scalars" else { return nil }
            return value(of: tensor)
        default:
            return nil
        }
    }

    /// The number a tensor of one element holds; nil for more or fewer elements, an unknown
    /// shape, a type that is not a number, or values that do not match the type.
    static func value(of t: Tensorboard_TensorProto) -> Double? {
        guard !t.tensorShape.unknownRank, t.tensorShape.dim.allSatisfy({ $0.size == 1 }) else { return nil }
        // TensorFlow reads tensor_content whenever it is there, the typed fields otherwise.
        if !t.tensorContent.isEmpty { return value(ofContent: [UInt8](t.tensorContent), dtype: t.dtype) }
        func only<T>(_ values: [T]) -> T? { values.count == 1 ? values[0] : nil }
        switch t.dtype {
        case .dtFloat: return only(t.floatVal).map { Double($0) }
        case .dtDouble: return only(t.doubleVal)
        // Half and bfloat16 keep their 16 bits in the low half of an int32.
        case .dtHalf: return only(t.halfVal).map { half(UInt16(truncatingIfNeeded: $0)) }
        case .dtBfloat16: return only(t.halfVal).map { bfloat16(UInt16(truncatingIfNeeded: $0)) }
        case .dtInt32, .dtInt16, .dtInt8, .dtUint8, .dtUint16: return only(t.intVal).map { Double($0) }
        case .dtInt64: return only(t.int64Val).map { Double($0) }
        case .dtUint32: return only(t.uint32Val).map { Double($0) }
        case .dtUint64: return only(t.uint64Val).map { Double($0) }
        case .dtBool: return only(t.boolVal).map { $0 ? 1 : 0 }
        default: return nil
        }
    }

    /// One element's raw bytes, little-endian as TensorFlow writes them.
    static func value(ofContent bytes: [UInt8], dtype: Tensorboard_DataType) -> Double? {
        func word(_ width: Int) -> UInt64? {
            guard bytes.count == width else { return nil }
            return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        switch dtype {
        case .dtFloat: return word(4).map { Double(Float(bitPattern: UInt32($0))) }
        case .dtDouble: return word(8).map { Double(bitPattern: $0) }
        case .dtHalf: return word(2).map { half(UInt16($0)) }
        case .dtBfloat16: return word(2).map { bfloat16(UInt16($0)) }
        case .dtInt8: return word(1).map { Double(Int8(truncatingIfNeeded: $0)) }
        case .dtUint8: return word(1).map { Double($0) }
        case .dtInt16: return word(2).map { Double(Int16(truncatingIfNeeded: $0)) }
        case .dtUint16: return word(2).map { Double($0) }
        case .dtInt32: return word(4).map { Double(Int32(truncatingIfNeeded: $0)) }
        case .dtUint32: return word(4).map { Double($0) }
        case .dtInt64: return word(8).map { Double(Int64(bitPattern: $0)) }
        case .dtUint64: return word(8).map { Double($0) }
        case .dtBool: return word(1).map { $0 != 0 ? 1 : 0 }
        default: return nil
        }
    }

    /// IEEE 754 binary16, by hand: Swift's `Float16` is missing on some platforms.
    static func half(_ bits: UInt16) -> Double {
        let sign: FloatingPointSign = bits >> 15 == 0 ? .plus : .minus
        let exponent = Int(bits >> 10 & 0x1F), fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return Double(sign: sign, exponent: -24, significand: fraction)
        case 0x1F: return fraction == 0 ? (sign == .plus ? .infinity : -.infinity) : .nan
        default: return Double(sign: sign, exponent: exponent - 15, significand: 1 + fraction / 1024)
        }
    }

    /// bfloat16: the upper half of a float32.
    static func bfloat16(_ bits: UInt16) -> Double {
        Double(Float(bitPattern: UInt32(bits) << 16))
    }
}
