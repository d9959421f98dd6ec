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

    /// An encoder for door API bodies.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return e
    }

    /// A decoder for door API bodies; accepts dates with or without fractional seconds.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date")
        }
        return d
    }
}
