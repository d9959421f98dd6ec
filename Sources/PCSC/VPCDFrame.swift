import SmartCard

/// One message from vsmartcard's vpcd (the virtual reader inside pcscd) to the virtual card.
///
/// Wire format (vsmartcard documentation, "Creating a virtual smart card", and `vpcd.c`): every message
/// in either direction is a 2-byte big-endian length followed by that many bytes. A 1-byte payload
/// from vpcd is a control code; anything longer is a command APDU.
public enum VPCDMessage: Sendable, Hashable {
    /// `00`: power removed. No reply.
    case powerOff
    /// `01`: power applied. No reply.
    case powerOn
    /// `02`: warm reset. No reply.
    case reset
    /// `04`: vpcd asks for the ATR (also how it polls for presence). Reply: the ATR.
    case getATR
    /// A 1-byte payload with a code vpcd does not define. Ignored, without a reply.
    case unknownControl(UInt8)
    /// A command APDU. Reply: the response APDU.
    case apdu([UInt8])

    /// Classifies one frame's payload.
    public init(payload: [UInt8]) {
        if payload.count == 1 {
            switch payload[0] {
            case 0x00: self = .powerOff
            case 0x01: self = .powerOn
            case 0x02: self = .reset
            case 0x04: self = .getATR
            default: self = .unknownControl(payload[0])
            }
        } else {
            self = .apdu(payload)
        }
    }

    /// The payload bytes of this message as vpcd sends it.
    public var payload: [UInt8] {
        switch self {
        case .powerOff: return [0x00]
        case .powerOn: return [0x01]
        case .reset: return [0x02]
        case .getATR: return [0x04]
        case .unknownControl(let code): return [code]
        case .apdu(let bytes): return bytes
        }
    }

    /// What the card sends back, or `nil` for the messages vpcd expects no answer to.
    ///
    /// - Parameter atr: the ATR to report; it may differ from `card.atr` when the operator overrides it.
    public func reply(from card: any CardEmulator, atr: [UInt8]) -> [UInt8]? {
        switch self {
        case .powerOff: card.powerOff(); return nil
        case .powerOn: card.powerOn(); return nil
        case .reset: card.reset(); return nil
        case .getATR: return atr
        case .unknownControl: return nil
        case .apdu(let command): return card.process(command)
        }
    }
}

/// The length-prefixed framing vpcd uses in both directions.
public enum VPCDFrame {
    /// The largest payload a 2-byte length can describe.
    public static let maxPayload = 0xFFFF

    /// Errors in framing.
    public enum Error: Swift.Error, Sendable, Hashable {
        /// A payload longer than 65535 bytes cannot be framed.
        case payloadTooLong(Int)
    }

    /// `payload` with its 2-byte big-endian length in front.
    public static func encode(_ payload: [UInt8]) throws(Error) -> [UInt8] {
        guard payload.count <= maxPayload else { throw .payloadTooLong(payload.count) }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    /// Splits a byte stream into frames, however TCP happens to cut it.
    public struct Decoder: Sendable {
        private var buffer: [UInt8] = []

        public init() {}

        /// Adds bytes received from the stream.
        public mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            buffer.append(contentsOf: bytes)
        }

        /// The next complete payload, or `nil` until enough bytes have arrived.
        public mutating func next() -> [UInt8]? {
            guard buffer.count >= 2 else { return nil }
            let length = Int(buffer[0]) << 8 | Int(buffer[1])
            guard buffer.count >= 2 + length else { return nil }
            let payload = Array(buffer[2..<(2 + length)])
            buffer.removeFirst(2 + length)
            return payload
        }

        /// Bytes received but not yet part of a complete frame.
        public var pendingByteCount: Int { buffer.count }
    }
}
