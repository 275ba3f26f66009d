import Foundation
import GRDB
import GRDBSQLite

/// Writes into a blob SQLite has already reserved (`zeroblob(n)`), through its incremental blob
/// I/O, a buffered chunk at a time: a blob of any size is written in bounded memory.
struct BlobWriter {
    private var handle: OpaquePointer?
    private var buffer: [UInt8] = []
    private var offset: Int
    private let connection: SQLiteConnection?
    static let chunk = 1 << 20

    init(_ db: Database, table: String, column: String, rowID: Int64, offset: Int) throws {
        connection = db.sqliteConnection
        self.offset = offset
        buffer.reserveCapacity(Self.chunk)
        let code = sqlite3_blob_open(connection, "main", table, column, rowID, 1, &handle)
        guard code == SQLITE_OK else { throw Self.failure(code, connection) }
    }

    mutating func appendRowHeader(eventID: Int64, step: Int?, entries: Int) {
        append(integer: eventID.littleEndian)
        append(integer: (step.map(Int64.init) ?? MetricValues.noStep).littleEndian)
        append(integer: UInt32(truncatingIfNeeded: entries).littleEndian)
    }

    private mutating func append<T: FixedWidthInteger>(integer: T) {
        withUnsafeBytes(of: integer) { buffer.append(contentsOf: $0) }
    }

    mutating func append(_ data: Data) throws {
        buffer.append(contentsOf: data)
        if buffer.count >= Self.chunk { try write() }
    }

    private mutating func write() throws {
        guard !buffer.isEmpty else { return }
        guard offset + buffer.count <= Int(Int32.max) else { throw StoreError.corrupt(path: path, detail: "a trial's metric rows exceed 2 GB") }
        let code = buffer.withUnsafeBytes { sqlite3_blob_write(handle, $0.baseAddress, Int32($0.count), Int32(offset)) }
        guard code == SQLITE_OK else { throw Self.failure(code, connection) }
        offset += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, and checks the blob was filled exactly.
    mutating func finish(expectedEnd: Int) throws {
        try write()
        guard offset == expectedEnd else {
            throw StoreError.corrupt(path: path, detail: "a trial's metric rows changed while they were being compacted (\(offset) of \(expectedEnd) bytes)")
        }
    }

    mutating func close() {
        if let handle { sqlite3_blob_close(handle) }
        handle = nil
    }

    private var path: String {
        connection.flatMap { sqlite3_db_filename($0, "main") }.map { String(cString: $0) } ?? "the store"
    }

    private static func failure(_ code: Int32, _ connection: SQLiteConnection?) -> Error {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) })
    }
}
