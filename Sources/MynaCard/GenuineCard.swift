import Crypto
import SmartCard

/// The visual application's age record, EF `0001`:
///
/// ```text
/// FF 10 82 02 1E
///   DF 11 08      YYYYMMDD (Gregorian)                     生年月日
///   DF 12 82 01 09 90 03 010001 91 82 01 00 <n>           the application's own RSA-2048 public key
///   DF 13 82 01 00 <256 B>                                 signature by the key EF 0004 certifies
/// ```
///
/// Layout and what the signature covers (every object before DF13, as written): soltia48/myna-card
/// `src/ap/surface.rs` `AgeRecord`, fixture `surface-0001.bin`, measured on a J-LIS test card. Opened by
/// the birth-date key (EF `0011`) alone — the least a reader can be told to learn the card's own key.
public struct AgeRecord: Sendable, Hashable {
    /// DF11 as stored, `YYYYMMDD`.
    public let birthDate: String
    /// DF12: the visual application's own key, which signs challenges (``VisualSession/sign(sha256Digest:)``).
    public let publicKey: CardRSAPublicKey
    /// DF12's value as read (`90 … 91 …`), what a server stores to check the card's signatures later.
    public let publicKeyBytes: [UInt8]
    /// DF13.
    public let signature: [UInt8]
    /// Exactly what DF13 covers: the DF11 and DF12 objects as written.
    public let signedData: [UInt8]
    /// The `FF10` object as read (what a desk sends on for the server to check).
    public let bytes: [UInt8]

    /// Parses the file's bytes: exactly `DF11`, `DF12`, `DF13` in that order inside `FF10`, nothing else
    /// inside it, and only `FF`/`00` filler after it. Strict on purpose: the signature covers what comes
    /// before DF13, so a second DF11 or DF12 after it (or anything else) would be unsigned data read as
    /// the card's — a key of an attacker's choice (attacker review of issue 18).
    public init(bytes: [UInt8]) throws(MynaCardError) {
        do {
            let h0 = try BERTLV.parseHeader(bytes)
            guard h0.tag == 0xFF10 else { throw MynaCardError.malformedData("age record has tag \(String(h0.tag, radix: 16))") }
            let total = h0.headerLength + h0.valueLength
            guard total <= bytes.count else { throw MynaCardError.malformedData("age record runs past the file") }
            guard bytes[total...].allSatisfy({ $0 == 0xFF || $0 == 0x00 }) else { throw MynaCardError.malformedData("data after the age record") }
            let value = Array(bytes[h0.headerLength..<total])
            var offset = 0
            var items: [(tag: UInt32, start: Int, value: [UInt8])] = []
            while offset < value.count {
                let h = try BERTLV.parseHeader(value[offset...])
                let start = offset + h.headerLength, end = start + h.valueLength
                guard end <= value.count else { throw MynaCardError.malformedData("age record object runs past its end") }
                items.append((h.tag, offset, Array(value[start..<end])))
                offset = end
            }
            guard items.map(\.tag) == [0xDF11, 0xDF12, 0xDF13] else {
                throw MynaCardError.malformedData("age record is not DF11, DF12, DF13 in that order")
            }
            let birth = items[0].value, key = items[1].value, sig = items[2].value, signedEnd = items[2].start
            guard birth.count == 8, birth.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw MynaCardError.malformedData("age record's birth date is not YYYYMMDD")
            }
            birthDate = String(decoding: birth, as: UTF8.self)
            publicKey = try CardRSAPublicKey(tlv: key)
            publicKeyBytes = key
            signature = sig
            signedData = Array(value[0..<signedEnd])
            self.bytes = Array(bytes[0..<total])
        } catch let e as MynaCardError {
            throw e
        } catch {
            throw .malformedData("age record: \(error)")
        }
    }

    /// Whether the key `certificate` certifies signed this record.
    public func isSigned(by certificate: CardVerifiableCertificate) -> Bool {
        certificate.publicKey.verifiesPKCS1SHA256(signature, over: signedData)
    }
}

extension VisualSession {
    /// Tries left for the birth-date key, without spending one.
    public func birthDateTriesLeft() async throws(MynaCardError) -> Measured<Int> {
        try await card.exclusive { card in try await card.triesLeft(.visualBirthDate) }
    }

    /// Opens the age record with the birth-date key (``PIN/visualBirthDate(_:)``), under the PIN rules,
    /// and reads it, in one card transaction.
    public func ageRecord(birthDateKey key: PIN, attempt: PINAttempt = .normal) async throws(MynaCardError) -> Measured<AgeRecord> {
        guard key.kind == .visualBirthDate else { throw .pinFormatInvalid(.visualBirthDate) }
        return try await card.exclusive { card in
            try await card.verify(key, attempt: attempt)
            return try AgeRecord(bytes: try await card.readTLVFile(EF.ageRecord, in: .visual, secret: true, protectedBy: .visualBirthDate))
        }
    }

    /// The application's card-verifiable certificate, EF `0004` (readable without a credential,
    /// soltia48 `read_certificate`): the key that signs the age record, certified by a CVC issuer.
    public func certificate() async throws(MynaCardError) -> Measured<(certificate: CardVerifiableCertificate, bytes: [UInt8])> {
        try await card.exclusive { card in
            let bytes = try await card.readTLVFile(EF.visualCertificate, in: .visual)
            return (try CardVerifiableCertificate(bytes: bytes), bytes)
        }
    }

    /// Has the application sign a SHA-256 digest with its own key: SELECT of the application (unless
    /// it is current) and `80 2A 00 00` with the SHA-256 DigestInfo, Le 256 — P2 `00` is the
    /// application's default key, and no credential is asked for (soltia48/myna-card `SurfaceAp::sign`).
    /// No PIN and no try: this is what a `genuine` door asks of the card (2 APDUs after the serial).
    public func sign(sha256Digest digest: [UInt8]) async throws(MynaCardError) -> Measured<[UInt8]> {
        guard digest.count == 32 else { throw .malformedData("a SHA-256 digest has 32 bytes, not \(digest.count)") }
        return try await card.exclusive { card in
            try await card.select(.visual)
            let r = try await card.transmit(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x00, data: DigestInfo.sha256Prefix + digest, le: 256))
            switch r.status {
            case .success:
                guard r.data.count == 256 else { throw MynaCardError.malformedData("card signature of \(r.data.count) bytes") }
                return r.data
            default: throw MynaCardError.unexpectedStatus("SIGN (visual)", r.status)
            }
        }
    }
}

/// What a desk reads for the `genuine` level at enrollment, or why it read nothing.
public enum CardKeyReading: Sendable {
    /// The age record and the visual application's certificate as read, and the application's signature
    /// over the enrollment challenge.
    case read(ageRecord: [UInt8], certificate: [UInt8], signature: [UInt8])
    /// A stable code: `birth_date_tries_low` (fewer than 3 tries left: the key is not sent),
    /// `birth_date_refused` (the card refused the key: the HR birth date differs from the card's),
    /// `card_error` (the card answered something else).
    case skipped(String)
}

extension VisualSession {
    /// The fewest tries of the birth-date key left for MynaGate to send it: the key comes from the HR
    /// record, not from the holder typing it, so a wrong record must never bring the card near a block.
    public static let minimumBirthDateTries = 3

    /// The desk's reading for the `genuine` level (issue 18): the tries left of the birth-date key first
    /// (never sent with fewer than ``minimumBirthDateTries``), VERIFY with `birthDateKey`, the age record,
    /// the application's certificate, and its signature over `digest` — nothing here asks for a PIN.
    public func cardKeyReading(birthDateKey: PIN, sha256Digest digest: [UInt8]) async -> CardKeyReading {
        do {
            let tries = try await birthDateTriesLeft().value
            guard tries >= Self.minimumBirthDateTries else { return .skipped("birth_date_tries_low") }
            let record: AgeRecord
            do { record = try await ageRecord(birthDateKey: birthDateKey).value } catch {
                switch error {
                case .wrongPIN, .pinBlocked: return .skipped("birth_date_refused")
                default: throw error
                }
            }
            let certificate = try await certificate().value.bytes
            let signature = try await sign(sha256Digest: digest).value
            return .read(ageRecord: record.bytes, certificate: certificate, signature: signature)
        } catch {
            return .skipped("card_error")
        }
    }
}
