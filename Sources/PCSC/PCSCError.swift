import SmartCard

/// A PC/SC return code (`LONG` in the C API), kept as its 32-bit value so that the same code compares
/// equal on platforms where `LONG` is 64-bit (pcsc-lite) and where it is a negative 32-bit number (Apple).
public struct PCSCStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    init(_ code: PCSCLong) { rawValue = UInt32(truncatingIfNeeded: code) }

    // Values from pcsc-lite `pcsclite.h`; identical to Microsoft's WinSCard codes.
    public static let success = PCSCStatus(rawValue: 0x0000_0000)
    public static let internalError = PCSCStatus(rawValue: 0x8010_0001)
    public static let cancelled = PCSCStatus(rawValue: 0x8010_0002)
    public static let invalidHandle = PCSCStatus(rawValue: 0x8010_0003)
    public static let invalidParameter = PCSCStatus(rawValue: 0x8010_0004)
    public static let noMemory = PCSCStatus(rawValue: 0x8010_0006)
    public static let insufficientBuffer = PCSCStatus(rawValue: 0x8010_0008)
    public static let unknownReader = PCSCStatus(rawValue: 0x8010_0009)
    public static let timeout = PCSCStatus(rawValue: 0x8010_000A)
    public static let sharingViolation = PCSCStatus(rawValue: 0x8010_000B)
    public static let noSmartcard = PCSCStatus(rawValue: 0x8010_000C)
    public static let protoMismatch = PCSCStatus(rawValue: 0x8010_000F)
    public static let notReady = PCSCStatus(rawValue: 0x8010_0010)
    public static let invalidValue = PCSCStatus(rawValue: 0x8010_0011)
    public static let systemCancelled = PCSCStatus(rawValue: 0x8010_0012)
    public static let commError = PCSCStatus(rawValue: 0x8010_0013)
    public static let unknownError = PCSCStatus(rawValue: 0x8010_0014)
    public static let readerUnavailable = PCSCStatus(rawValue: 0x8010_0017)
    public static let shutdown = PCSCStatus(rawValue: 0x8010_0018)
    public static let noService = PCSCStatus(rawValue: 0x8010_001D)
    public static let serviceStopped = PCSCStatus(rawValue: 0x8010_001E)
    public static let unsupportedFeature = PCSCStatus(rawValue: 0x8010_001F)
    public static let noReadersAvailable = PCSCStatus(rawValue: 0x8010_002E)
    public static let commDataLost = PCSCStatus(rawValue: 0x8010_002F)
    public static let serverTooBusy = PCSCStatus(rawValue: 0x8010_0031)
    public static let unsupportedCard = PCSCStatus(rawValue: 0x8010_0065)
    public static let unresponsiveCard = PCSCStatus(rawValue: 0x8010_0066)
    public static let unpoweredCard = PCSCStatus(rawValue: 0x8010_0067)
    public static let resetCard = PCSCStatus(rawValue: 0x8010_0068)
    public static let removedCard = PCSCStatus(rawValue: 0x8010_0069)

    private static let names: [UInt32: (String, String)] = [
        0x0000_0000: ("SCARD_S_SUCCESS", "success"),
        0x8010_0001: ("SCARD_F_INTERNAL_ERROR", "internal error in the PC/SC stack"),
        0x8010_0002: ("SCARD_E_CANCELLED", "the wait was cancelled"),
        0x8010_0003: ("SCARD_E_INVALID_HANDLE", "invalid context or card handle"),
        0x8010_0004: ("SCARD_E_INVALID_PARAMETER", "invalid parameter"),
        0x8010_0006: ("SCARD_E_NO_MEMORY", "out of memory"),
        0x8010_0008: ("SCARD_E_INSUFFICIENT_BUFFER", "receive buffer too small"),
        0x8010_0009: ("SCARD_E_UNKNOWN_READER", "no such reader"),
        0x8010_000A: ("SCARD_E_TIMEOUT", "timed out"),
        0x8010_000B: ("SCARD_E_SHARING_VIOLATION", "another program holds the card exclusively"),
        0x8010_000C: ("SCARD_E_NO_SMARTCARD", "no card in the reader"),
        0x8010_000F: ("SCARD_E_PROTO_MISMATCH", "the card does not speak the requested protocol"),
        0x8010_0010: ("SCARD_E_NOT_READY", "the reader or card is not ready"),
        0x8010_0011: ("SCARD_E_INVALID_VALUE", "invalid value"),
        0x8010_0012: ("SCARD_E_SYSTEM_CANCELLED", "cancelled by the system"),
        0x8010_0013: ("SCARD_F_COMM_ERROR", "communication error with pcscd"),
        0x8010_0014: ("SCARD_F_UNKNOWN_ERROR", "unknown internal error"),
        0x8010_0017: ("SCARD_E_READER_UNAVAILABLE", "the reader is not available"),
        0x8010_0018: ("SCARD_P_SHUTDOWN", "pcscd is shutting down"),
        0x8010_001D: ("SCARD_E_NO_SERVICE", "pcscd is not running"),
        0x8010_001E: ("SCARD_E_SERVICE_STOPPED", "pcscd has stopped"),
        0x8010_001F: ("SCARD_E_UNSUPPORTED_FEATURE", "not supported by the reader"),
        0x8010_002E: ("SCARD_E_NO_READERS_AVAILABLE", "no reader is connected"),
        0x8010_002F: ("SCARD_E_COMM_DATA_LOST", "data lost talking to the card"),
        0x8010_0031: ("SCARD_E_SERVER_TOO_BUSY", "pcscd is too busy"),
        0x8010_0065: ("SCARD_W_UNSUPPORTED_CARD", "the reader cannot talk to this card"),
        0x8010_0066: ("SCARD_W_UNRESPONSIVE_CARD", "the card does not answer reset"),
        0x8010_0067: ("SCARD_W_UNPOWERED_CARD", "the card is not powered"),
        0x8010_0068: ("SCARD_W_RESET_CARD", "the card was reset by another program"),
        0x8010_0069: ("SCARD_W_REMOVED_CARD", "the card was removed"),
    ]

    /// The C constant's name, such as `SCARD_E_NO_SERVICE`, or the code in hex when it is not known.
    public var name: String {
        Self.names[rawValue]?.0 ?? "0x" + String(rawValue, radix: 16, uppercase: true)
    }

    /// What the code means to a person at the reader.
    public var message: String { Self.names[rawValue]?.1 ?? "PC/SC error" }

    public var description: String { "\(message) (\(name))" }

    /// The transport-level meaning the card layer acts on: a removed card and a timeout are
    /// distinguished because the caller reacts to them differently (wait for the card again, retry).
    public var transportError: CardTransportError {
        switch self {
        case .removedCard, .noSmartcard, .unpoweredCard, .unresponsiveCard:
            return .cardRemoved
        case .timeout:
            return .timeout
        case .unknownReader, .readerUnavailable, .noReadersAvailable:
            return .readerUnavailable(description)
        default:
            return .failure(description)
        }
    }
}

/// Why a PC/SC operation failed.
public enum PCSCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No PC/SC library could be opened; the associated value lists the names that were tried.
    case libraryMissing(String)
    /// The library opened but lacks a function MynaGate needs (a broken or foreign library).
    case symbolMissing(String)
    /// A PC/SC call returned an error code.
    case call(String, PCSCStatus)

    /// The PC/SC code, when the failure came from a call.
    public var status: PCSCStatus? {
        if case .call(_, let status) = self { return status }
        return nil
    }

    public var description: String {
        switch self {
        case .libraryMissing(let tried):
            return "the PC/SC library is not installed (tried \(tried)); install pcscd and libpcsclite1"
        case .symbolMissing(let name):
            return "the PC/SC library has no \(name)"
        case .call(let function, let status):
            return "\(function): \(status)"
        }
    }

    /// The same failure as a ``CardTransportError`` for the ``CardTransport`` API.
    public var transportError: CardTransportError {
        switch self {
        case .call(_, let status): return status.transportError
        default: return .failure(description)
        }
    }
}

/// Throws ``PCSCError/call(_:_:)`` unless `code` is success.
@inline(__always)
func check(_ code: PCSCLong, _ function: String) throws(PCSCError) {
    let status = PCSCStatus(code)
    if status != .success { throw .call(function, status) }
}
