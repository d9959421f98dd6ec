import NIOCore
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Testing

/// The parser of PostgreSQL's binary `int8[]` that the attendance month read takes its rows through.
@Suite("PostgreSQL int8[] binary form")
struct Int8ArrayBinaryTests {
    /// `array_send` of `values` as PostgreSQL writes it: 1 dimension, no nulls, element type int8 (OID 20).
    static func sent(_ values: [Int64], dimensions: Int32 = 1, flags: Int32 = 0, oid: UInt32 = 20, length: Int32 = 8) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeInteger(dimensions)
        b.writeInteger(flags)
        b.writeInteger(oid)
        b.writeInteger(Int32(values.count))
        b.writeInteger(Int32(1))
        for v in values {
            b.writeInteger(length)
            b.writeInteger(v)
        }
        return b
    }

    @Test("values come back as written, big-endian, negatives and the packed person-minute form included")
    func roundTrip() throws {
        let packed = (Int64(19_999) << 32) | Int64(29_934_569 * 2 + 1)
        let values: [Int64] = [0, 1, -1, .max, .min, packed]
        #expect(try Int8ArrayBinary.values(Self.sent(values)) == values)
        // An empty array is sent with no dimensions.
        var empty = ByteBuffer()
        empty.writeInteger(Int32(0)); empty.writeInteger(Int32(0)); empty.writeInteger(UInt32(20))
        #expect(try Int8ArrayBinary.values(empty) == [])
    }

    @Test("anything else is refused with an error, never read past its end")
    func refused() {
        let good = Self.sent([1, 2, 3])
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(Self.sent([1], dimensions: 2)) }
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(Self.sent([1], flags: 1)) }
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(Self.sent([1], oid: 23)) }
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(Self.sent([1], length: -1)) }
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(good.getSlice(at: 0, length: good.readableBytes - 1)!) }
        var longer = good
        longer.writeInteger(UInt8(0))
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(longer) }
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(ByteBuffer()) }
        // A count that would overflow the length check.
        var huge = ByteBuffer()
        huge.writeInteger(Int32(1)); huge.writeInteger(Int32(0)); huge.writeInteger(UInt32(20))
        huge.writeInteger(Int32.max); huge.writeInteger(Int32(1))
        #expect(throws: Int8ArrayBinary.Malformed.self) { try Int8ArrayBinary.values(huge) }
    }
}
