import NIOCore
import ServerCore

/// PostgreSQL's binary form of a one-dimensional `int8[]` (what `array_send` writes), parsed in one
/// tight loop: a header (dimensions, a has-nulls flag, the element type's OID, then length and lower
/// bound per dimension), then each element as a 4-byte length and its 8 bytes, all big-endian
/// (PostgreSQL source, src/backend/utils/adt/arrayfuncs.c, `array_send`).
enum Int8ArrayBinary {
    /// The bytes are not a one-dimensional `int8[]` without nulls.
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "the database sent an array that is not int8[] without nulls" }
    }

    /// The OID of `int8` (PostgreSQL source, src/include/catalog/pg_type.dat).
    static let int8OID: UInt32 = 20

    static func values(_ buffer: ByteBuffer) throws -> [Int64] {
        try buffer.withUnsafeReadableBytes { raw -> [Int64] in
            func int32(_ at: Int) -> Int32 { Int32(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)) }
            guard raw.count >= 12 else { throw Malformed() }
            let dimensions = int32(0)
            if dimensions == 0 { return [] }
            guard dimensions == 1, int32(4) == 0, UInt32(bitPattern: int32(8)) == int8OID, raw.count >= 20 else { throw Malformed() }
            let count = Int(int32(12))
            guard count >= 0, raw.count == 20 + count * 12 else { throw Malformed() }
            return try [Int64](unsafeUninitializedCapacity: count) { out, initialized in
                var at = 20
                for i in 0..<count {
                    guard int32(at) == 8 else { throw Malformed() }
                    out[i] = Int64(bigEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: Int64.self))
                    at += 12
                    initialized = i + 1
                }
            }
        }
    }
}
