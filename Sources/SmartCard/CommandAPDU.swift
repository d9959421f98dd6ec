/// A command APDU as ISO/IEC 7816-4 section 5.1 defines it: a 4-byte header, an optional command data
/// field and an optional expected length (Le).
///
/// The four cases follow from which optional parts are present:
/// case 1 (header only), case 2 (Le only), case 3 (data only) and case 4 (data and Le). Each case has a
/// short form (Lc ≤ 255, Le ≤ 256) and an extended form (Lc ≤ 65 535, Le ≤ 65 536). ``encoded()`` chooses
/// the short form unless the sizes need the extended one or ``forceExtended`` is set.
public struct CommandAPDU: Sendable, Hashable {
    /// Class byte.
    public var cla: UInt8
    /// Instruction byte.
    public var ins: UInt8
    /// First parameter byte.
    public var p1: UInt8
    /// Second parameter byte.
    public var p2: UInt8
    /// Command data (Lc is its count). Empty means no data field.
    public var data: [UInt8]
    /// Expected response length, 1...65 536, or `nil` when no response data is expected.
    ///
    /// 256 is encoded as `00` in the short form and 65 536 as `00 00` in the extended form.
    public var le: Int?
    /// Encode in the extended form even when the short form would do.
    public var forceExtended: Bool
    /// What tracing must hide for this exchange (PIN bytes, My Number digits).
    public var redaction: Redaction

    /// What an ``APDUTrace`` must not show of an exchange.
    public struct Redaction: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The command data is secret (a PIN or password).
        public static let commandData = Redaction(rawValue: 1)
        /// The response data is secret (for example the My Number EF).
        public static let responseData = Redaction(rawValue: 2)
    }

    /// Creates a command.
    public init(
        cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil,
        forceExtended: Bool = false, redaction: Redaction = []
    ) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
        self.forceExtended = forceExtended
        self.redaction = redaction
    }

    /// The ISO 7816-3 case of this command (1–4).
    public var isoCase: Int {
        switch (data.isEmpty, le == nil) {
        case (true, true): return 1
        case (true, false): return 2
        case (false, true): return 3
        case (false, false): return 4
        }
    }

    /// Whether ``encoded()`` uses the extended length form.
    public var isExtended: Bool {
        forceExtended || data.count > 255 || (le ?? 0) > 256
    }

    /// The bytes to send to the card.
    ///
    /// - Throws: ``APDUFormatError`` when the data is longer than 65 535 bytes or Le is outside 1...65 536.
    public func encoded() throws(APDUFormatError) -> [UInt8] {
        guard data.count <= 65_535 else { throw .commandDataTooLong(data.count) }
        if let le, !(1...65_536).contains(le) { throw .invalidLe(le) }
        var out: [UInt8] = [cla, ins, p1, p2]
        out.reserveCapacity(4 + 3 + data.count + 3)
        if isExtended {
            // Extended form: a 00 marker byte precedes the first length field (7816-4 5.1).
            if !data.isEmpty {
                out += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
                out += data
                if let le { out += [UInt8((le >> 8) & 0xFF), UInt8(le & 0xFF)] }
            } else if let le {
                out += [0x00, UInt8((le >> 8) & 0xFF), UInt8(le & 0xFF)]
            }
        } else {
            if !data.isEmpty {
                out.append(UInt8(data.count))
                out += data
            }
            if let le { out.append(UInt8(le & 0xFF)) }
        }
        return out
    }

    /// Parses the bytes of a command, as a card does. Accepts every case in short and extended form.
    ///
    /// - Throws: ``APDUFormatError`` when the bytes are not a well-formed command.
    public init(bytes: some Collection<UInt8>, redaction: Redaction = []) throws(APDUFormatError) {
        let b = Array(bytes)
        guard b.count >= 4 else { throw .tooShort(b.count) }
        self.init(cla: b[0], ins: b[1], p1: b[2], p2: b[3], redaction: redaction)
        let body = b[4...]
        if body.isEmpty { return }  // case 1
        if body.count == 1 {  // case 2 short
            le = body[4] == 0 ? 256 : Int(body[4])
            return
        }
        if body[4] != 0 {  // short Lc
            let lc = Int(body[4])
            let rest = body.count - 1 - lc
            guard rest == 0 || rest == 1 else { throw .lengthMismatch(declared: lc, available: body.count - 1) }
            data = Array(b[5..<(5 + lc)])
            if rest == 1 { le = b[5 + lc] == 0 ? 256 : Int(b[5 + lc]) }
            return
        }
        // Extended: 00 followed by two bytes.
        forceExtended = true
        guard body.count >= 3 else { throw .tooShort(b.count) }
        let first = Int(b[5]) << 8 | Int(b[6])
        if body.count == 3 {  // case 2 extended
            le = first == 0 ? 65_536 : first
            return
        }
        let lc = first
        guard lc > 0 else { throw .lengthMismatch(declared: 0, available: body.count - 3) }
        let rest = body.count - 3 - lc
        guard rest == 0 || rest == 2 else { throw .lengthMismatch(declared: lc, available: body.count - 3) }
        data = Array(b[7..<(7 + lc)])
        if rest == 2 {
            let v = Int(b[7 + lc]) << 8 | Int(b[8 + lc])
            le = v == 0 ? 65_536 : v
        }
    }
}

/// Why a byte string is not a well-formed APDU.
public enum APDUFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooShort(Int)
    case lengthMismatch(declared: Int, available: Int)
    case commandDataTooLong(Int)
    case invalidLe(Int)

    public var description: String {
        switch self {
        case .tooShort(let n): return "APDU too short (\(n) bytes)"
        case .lengthMismatch(let d, let a): return "APDU length field says \(d) bytes but \(a) follow"
        case .commandDataTooLong(let n): return "command data of \(n) bytes exceeds 65535"
        case .invalidLe(let n): return "Le \(n) is outside 1...65536"
        }
    }
}
