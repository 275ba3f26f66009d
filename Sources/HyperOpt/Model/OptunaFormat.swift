import Foundation

#if canImport(Glibc)
import Glibc
#endif


/// How Optuna's RDB storage spells values: naive UTC datetimes, enum names, value types.
public enum OptunaFormat {
    /// `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, as Optuna 5 writes `datetime_start`/`datetime_complete`.
    public static func datetime(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = time_t((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
    }

    /// Reads `YYYY-MM-DD HH:MM:SS[.ffffff]` (also with a `T`) as UTC.
    public static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for b in bytes[from..<(from + count)] {
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        var fraction = 0.0
        if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
            var scale = 0.1
            for b in bytes[20...] where b >= 48 && b <= 57 {
                fraction += Double(b - 48) * scale
                scale /= 10
            }
        }
        return Date(timeIntervalSince1970: Double(timegm(&parts)) + fraction)
    }

    public static func direction(_ d: Direction) -> String { d == .maximize ? "MAXIMIZE" : "MINIMIZE" }

    public static func direction(_ text: String) -> Direction? {
        switch text {
        case "MAXIMIZE": return .maximize
        case "MINIMIZE": return .minimize
        default: return nil
        }
    }

    /// A value as Optuna stores it: non-finite values are NULL plus their type.
    public static func encode(_ value: Double) -> (value: Double?, type: String) {
        if value.isNaN { return (nil, "NAN") }
        if value == .infinity { return (nil, "INF_POS") }
        if value == -.infinity { return (nil, "INF_NEG") }
        return (value, "FINITE")
    }

    public static func decode(_ value: Double?, type: String) -> Double {
        switch type {
        case "INF_POS": return .infinity
        case "INF_NEG": return -.infinity
        case "NAN": return .nan
        default: return value ?? .nan
        }
    }
}
