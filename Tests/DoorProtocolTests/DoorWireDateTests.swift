import Access
import DoorProtocol
import Foundation
import XCTest

/// The door wire refuses dates that do not exist instead of rolling them over (security issue 14, H1):
/// `2026-02-30` must not quietly become 2 March in an uploaded event.
final class DoorWireDateTests: XCTestCase {
    struct Stamp: Decodable { var time: Date }

    func decode(_ text: String) throws -> Date {
        try DoorWire.decoder().decode(Stamp.self, from: Data(#"{"time":"\#(text)"}"#.utf8)).time
    }

    func testImpossibleDatesAreRefused() {
        for bad in ["2026-02-30T00:00:00Z", "2025-02-29T12:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00.000Z",
                    "2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z", "2026-01-01T10:00:61Z", "0000-01-01T00:00:00Z", "2026-1-01T00:00:00Z"] {
            XCTAssertThrowsError(try decode(bad), bad)
        }
    }

    func testRealDatesStillRead() throws {
        XCTAssertEqual(try decode("2024-02-29T00:00:00Z"), Date(timeIntervalSince1970: 1_709_164_800))
        XCTAssertEqual(try decode("2026-12-05T01:02:03.456Z").timeIntervalSince1970, 1_796_432_523.456, accuracy: 0.0005)
        XCTAssertNoThrow(try decode("1970-01-01T00:00:00Z"))
    }

    /// A time read from the wire is written back as the same text: the encoder truncated the
    /// fraction, and ".040" reads as 0.03999996… (the nearest Double), so it came back as ".039" and
    /// lost a millisecond at every re-encoding (a quarantined event's stored body, a heartbeat).
    /// Found by the FuzzDoorEvents fuzz target (a heartbeat's offlineSince).
    func testMillisecondsSurviveARoundTrip() throws {
        struct Stamp: Codable { var time: Date }
        for text in ["2025-10-09T08:53:20.040Z", "2026-12-05T01:02:03.456Z", "2026-12-05T01:02:03.999Z", "1970-01-01T00:00:00.001Z",
                     "2038-01-19T03:14:07.123Z", "2026-12-05T01:02:03Z"] {
            let date = try decode(text)
            let back = String(decoding: try DoorWire.encoder().encode(Stamp(time: date)), as: UTF8.self)
            let expected = text.count == 20 ? String(text.dropLast()) + ".000Z" : text
            XCTAssertEqual(back, #"{"time":"\#(expected)"}"#, text)
        }
        // Sub-millisecond instants round to the nearest millisecond.
        let near = String(decoding: try DoorWire.encoder().encode(Stamp(time: Date(timeIntervalSince1970: 1_760_000_000.0396))), as: UTF8.self)
        XCTAssertEqual(near, #"{"time":"2025-10-09T08:53:20.040Z"}"#)
    }

    /// More than three fractional digits are read to the millisecond the wire carries, so a decoded
    /// value re-encodes and decodes to itself (a sub-millisecond time made a decoded batch differ from
    /// its own re-encoding; found by the FuzzDoorEvents fuzz target).
    func testSubMillisecondTimesAreReadToTheMillisecond() throws {
        XCTAssertEqual(try decode("2025-10-09T08:53:20.1251Z"), try decode("2025-10-09T08:53:20.125Z"))
        XCTAssertEqual(try decode("2025-10-09T08:53:20.1256Z"), try decode("2025-10-09T08:53:20.126Z"))
        struct Stamp: Codable, Equatable { var time: Date }
        let read = try DoorWire.decoder().decode(Stamp.self, from: Data(#"{"time":"2025-10-09T08:53:20.1251Z"}"#.utf8))
        XCTAssertEqual(try DoorWire.decoder().decode(Stamp.self, from: DoorWire.encoder().encode(read)), read)
    }

    func testTheSnapshotCarriesTheNonce() throws {
        let s = DoorSnapshot(version: 3, full: true, door: "front", generatedAt: Date(timeIntervalSince1970: 1_760_000_000), nonce: "n0nce-abcdefghijklmnop",
                             policy: .init())
        let back = try DoorWire.decoder().decode(DoorSnapshot.self, from: DoorWire.encoder().encode(s))
        XCTAssertEqual(back.nonce, "n0nce-abcdefghijklmnop")
        XCTAssertEqual(back, s)
    }
}
