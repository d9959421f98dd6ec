import Foundation

/// The JSON conventions of the door API, shared by the server and the door agent so both read and
/// write the same bytes.
///
/// Dates are ISO 8601 with fractional seconds: an event's time and a suspension's instant survive a
/// round trip to the millisecond, which the whole-second `.iso8601` strategy would truncate. Keys are
/// sorted so the same value always encodes to the same bytes (the snapshot is signed over its bytes).
public enum DoorWire {
    /// The header carrying the base64 Ed25519 signature over the exact snapshot response body.
    public static let signatureHeader = "X-MynaGate-Snapshot-Signature"
    /// What an agent declares it decides on, sent with every snapshot request (`features=`, comma
    /// separated). A policy field an agent does not know is dropped silently when it decodes the
    /// snapshot; for a field that restricts a door, that would open the door more easily than it was
    /// meant to, so the server refuses the snapshot of such a door to an agent that does not declare it.
    public static let agentFeatures: Set<String> = ["doorSchedule"]

    /// An encoder for door API bodies.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(format(date))
        }
        return e
    }

    /// A decoder for door API bodies; accepts dates with or without fractional seconds.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            // The parser rolls an impossible date over (2026-02-30 becomes 03-02): refuse it instead, so a
            // forged or corrupted time is never read as a real one. Unlike `StrictDate` (1900–2100 for what
            // people type), any year is read: an event from a door with a broken clock must reach the
            // server's quarantine, not make its whole batch refused and stick in the agent's outbox.
            guard isCalendarDate(text) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a real calendar date and time") }
            // Read to the millisecond the wire carries: a finer fraction (only a non-conforming sender
            // writes one) would make the value differ from its own re-encoding (FuzzDoorEvents).
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return toMillisecond(date) }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return toMillisecond(date) }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date")
        }
        return d
    }

    /// Whether `text` starts `YYYY-MM-DDTHH:MM:SS` with a month, day, hour, minute and second that exist
    /// (the day within its month, leap years counted).
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, rounded to the nearest millisecond. The format style truncates the
    /// fraction, and a millisecond read from the wire is a Double just below it (".040" reads as
    /// 0.03999996…), so every re-encoding lost a millisecond; rounding first, and writing the
    /// milliseconds from the integer, gives back the text that was read (found by FuzzDoorEvents).
    static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// `date` rounded to the nearest millisecond, computed as ``format(_:)`` rounds, so that reading
    /// back what it writes gives the same Double.
    static func toMillisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let u = Array(text.utf8)
        guard u.count >= 19, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19) else { return false }
        guard year >= 1, (1...12).contains(month), hour <= 23, minute <= 59, second <= 59 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }
}
