import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `path` made absolute against `base` (when relative) and standardized.
public func absolute(_ path: String, base: String) -> String {
    let full = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    return URL(fileURLWithPath: full).standardizedFileURL.path
}

/// Foundation's file errors as sentences: what happened, never a domain and a code.
public enum FileErrorText {
    public static func describe(_ error: Error) -> String {
        // hypertop's own errors say themselves; only Foundation's need translating.
        if !(type(of: error) is NSError.Type), !(error is CocoaError) { return String(describing: error) }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileWriteFileExistsError: return "it already exists"
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or directory"
            case NSFileWriteOutOfSpaceError: return "no space left on the device"
            case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
            case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
            case NSFileWriteUnknownError, NSFileReadUnknownError:
                // Foundation on Linux leaves out the cause at times (an atomic write onto a directory).
                var isDirectory: ObjCBool = false
                if let path = ns.userInfo[NSFilePathErrorKey] as? String,
                   FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    return String(cString: strerror(EISDIR))
                }
                return ns.code == NSFileWriteUnknownError ? "it could not be written" : "it could not be read"
            default: break
            }
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return error.localizedDescription
    }
}
