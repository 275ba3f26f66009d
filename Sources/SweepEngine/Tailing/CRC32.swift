/// The two CRC-32s the run files of training scripts carry: CRC-32C (Castagnoli), which
/// TensorBoard's TFRecord framing stores masked, and CRC-32 (IEEE, zlib's), which W&B's run files
/// store per record. Reflected table-driven forms, one table each, made once.
public enum CRC32 {
    /// The reflected table of a polynomial (in its reversed form).
    static func table(_ reversedPolynomial: UInt32) -> [UInt32] {
        (0..<256).map { n -> UInt32 in
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? reversedPolynomial ^ (c >> 1) : c >> 1 }
            return c
        }
    }

    static let castagnoliTable = table(0x82F6_3B78)
    static let ieeeTable = table(0xEDB8_8320)

    static func checksum<C: Collection>(_ bytes: C, table: [UInt32], continuing crc: UInt32) -> UInt32 where C.Element == UInt8 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    /// CRC-32C of `bytes`; `continuing` the CRC of what came before them.
    public static func castagnoli<C: Collection>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        checksum(bytes, table: castagnoliTable, continuing: crc)
    }

    /// CRC-32 (IEEE 802.3, as zlib's `crc32`) of `bytes`.
    public static func ieee<C: Collection>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        checksum(bytes, table: ieeeTable, continuing: crc)
    }

    /// TensorFlow's masked form of a CRC-32C, as TFRecord files store it (a CRC of data that
    /// holds CRCs is then not trivially related to them).
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
