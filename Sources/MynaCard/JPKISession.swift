import SmartCard
import X509

/// The JPKI application (公的個人認証): the user-authentication and signing certificates and keys.
///
/// Nothing here reads personal data without the holder's password: the auth certificate has none
/// (subject `CN=<id>, C=JP`), and the signing certificate, which carries the 4 items, is readable only
/// after the signing password.
public struct JPKISession: Sendable {
    let card: MynaCard

    /// Which certificate to read.
    public enum CertificateKind: String, Sendable, CaseIterable, Codable {
        /// 利用者証明用電子証明書 (no PIN needed to read).
        case auth
        /// The CA certificate that issued ``auth``.
        case authCA
        /// 署名用電子証明書 (readable after the signing password).
        case signing
        /// The CA certificate that issued ``signing``.
        case signingCA

        var fid: UInt16 {
            switch self {
            case .auth: return EF.authCertificate
            case .authCA: return EF.authCACertificate
            case .signing: return EF.signingCertificate
            case .signingCA: return EF.signingCACertificate
            }
        }

        var protection: PINKind? { self == .signing ? .jpkiSigning : nil }

        /// The signing certificate carries the holder's name, address, birth date and sex, so its bytes
        /// are hidden from traces like the text application's files.
        var isPersonal: Bool { self == .signing }
    }

    /// Which private key signs.
    public enum Key: String, Sendable, CaseIterable, Codable {
        /// 利用者証明用 key, unlocked by the 4-digit auth PIN.
        case auth
        /// 署名用 key, unlocked by the signing password.
        case signing

        var fid: UInt16 { self == .auth ? EF.authKey : EF.signingKey }
        var pin: PINKind { self == .auth ? .jpkiAuth : .jpkiSigning }
    }

    /// The token EF (`JPKIAPICCTOKEN2` on a My Number card, `JPKIAPICCTOKEN` on the older 住基カード),
    /// with its space padding removed.
    public func token() async throws(MynaCardError) -> Measured<String> {
        try await card.exclusive { card in
            try await card.selectEF(EF.token, in: .jpki)
            let bytes = try await card.readBinary(offset: 0, length: 32, secret: false, protectedBy: nil)
            var s = String(decoding: bytes, as: UTF8.self)
            while s.last == " " || s.last == "\0" { s.removeLast() }
            return s
        }
    }

    /// The DER bytes of a certificate.
    ///
    /// - Throws: ``MynaCardError/verificationRequired(_:)`` for the signing certificate unless the
    ///   signing password was verified in this session.
    public func certificateDER(_ kind: CertificateKind) async throws(MynaCardError) -> Measured<[UInt8]> {
        try await card.exclusive { card in
            try await card.readTLVFile(kind.fid, in: .jpki, secret: kind.isPersonal, protectedBy: kind.protection)
        }
    }

    /// The size in bytes of a certificate's file content (its DER), from one 8-byte read of its header:
    /// what `mynagate card trace` records about each certificate without reading the certificate.
    ///
    /// - Throws: ``MynaCardError/verificationRequired(_:)`` for the signing certificate unless the
    ///   signing password was verified in this session.
    public func certificateLength(_ kind: CertificateKind) async throws(MynaCardError) -> Measured<Int> {
        try await card.exclusive { card in
            try await card.selectEF(kind.fid, in: .jpki)
            let head = try await card.readBinary(offset: 0, length: 8, secret: kind.isPersonal, protectedBy: kind.protection)
            do {
                let h = try BERTLV.parseHeader(head)
                return h.headerLength + h.valueLength
            } catch {
                throw MynaCardError.malformedData("\(kind.rawValue) certificate header: \(error)")
            }
        }
    }

    /// A certificate, parsed.
    public func certificate(_ kind: CertificateKind) async throws(MynaCardError) -> Measured<Certificate> {
        let der = try await certificateDER(kind)
        do {
            return Measured(try Certificate(derEncoded: der.value), usage: der.usage)
        } catch {
            throw .malformedData("\(kind.rawValue) certificate: \(error)")
        }
    }

    /// The serial number of the auth certificate, reading only the bytes up to it: SELECT AP (when not
    /// already selected), SELECT EF and one READ BINARY of 40 bytes. This is all a `tap` door reads.
    public func readAuthCertificateSerial() async throws(MynaCardError) -> Measured<Certificate.SerialNumber> {
        try await card.exclusive { card in
            try await card.selectEF(EF.authCertificate, in: .jpki)
            var prefix = try await card.readBinary(offset: 0, length: CertificatePrefix.readLength, secret: false, protectedBy: nil)
            while true {
                switch try CertificatePrefix.scanSerial(prefix) {
                case .serial(let bytes):
                    return Certificate.SerialNumber(bytes: bytes[...])
                case .needMore(let n):
                    let more = try await card.readBinary(offset: prefix.count, length: n - prefix.count, secret: false, protectedBy: nil)
                    guard !more.isEmpty else { throw MynaCardError.malformedData("certificate ended before its serial") }
                    prefix += more
                }
            }
        }
    }

    /// Tries left for the auth PIN or the signing password, without spending one.
    public func triesLeft(_ key: Key) async throws(MynaCardError) -> Measured<Int> {
        try await card.exclusive { card in try await card.triesLeft(key.pin) }
    }

    /// Verifies the auth PIN (``PINKind/jpkiAuth``) or the signing password (``PINKind/jpkiSigning``).
    ///
    /// The tries left are read first. With none left it throws ``MynaCardError/pinBlocked(_:)``; with
    /// one left it throws ``MynaCardError/lastTryNeedsConfirmation(_:)`` unless `attempt` is
    /// ``PINAttempt/confirmedLastTry``.
    public func verify(_ pin: PIN, attempt: PINAttempt = .normal) async throws(MynaCardError) -> Measured<Void> {
        guard pin.kind == .jpkiAuth || pin.kind == .jpkiSigning else { throw .pinFormatInvalid(pin.kind) }
        return try await card.exclusive { card in try await card.verify(pin, attempt: attempt) }
    }

    /// Signs a DER DigestInfo with `key`. The card adds the PKCS#1 v1.5 padding itself and returns a
    /// 256-byte RSA signature. The key's PIN must have been verified in this session.
    public func sign(digestInfo: [UInt8], with key: Key) async throws(MynaCardError) -> Measured<[UInt8]> {
        guard !digestInfo.isEmpty, digestInfo.count <= 256 - 11 else {
            throw .malformedData("DigestInfo of \(digestInfo.count) bytes does not fit an RSA-2048 signature")
        }
        return try await card.exclusive { card in
            try await Self.signSelected(card, digestInfo: digestInfo, key: key)
        }
    }

    /// Verifies `pin` and signs a SHA-256 digest with the key it unlocks, in one operation: one
    /// transport transaction holds the card from VERIFY to SIGN, so no other program sharing the card
    /// selects another key or application in between, and none signs with the unlocked key before we do
    /// (soltia48/myna-card README, "Who else may hold the card"). The PIN rules of
    /// ``verify(_:attempt:)`` apply; the PIN is sent once.
    public func verifyAndSign(_ pin: PIN, attempt: PINAttempt = .normal, sha256Digest digest: [UInt8],
                              with key: Key) async throws(MynaCardError) -> Measured<[UInt8]> {
        guard pin.kind == key.pin else { throw .pinFormatInvalid(key.pin) }
        guard digest.count == 32 else { throw .malformedData("a SHA-256 digest has 32 bytes, not \(digest.count)") }
        let digestInfo = DigestInfo.sha256Prefix + digest
        return try await card.exclusive { card in
            try await card.verify(pin, attempt: attempt)
            return try await Self.signSelected(card, digestInfo: digestInfo, key: key)
        }
    }

    /// SELECT of the key EF and COMPUTE DIGITAL SIGNATURE, inside an operation.
    static func signSelected(_ card: isolated MynaCard, digestInfo: [UInt8], key: Key) async throws(MynaCardError) -> [UInt8] {
        try await card.selectEF(key.fid, in: .jpki)
        let r = try await card.transmit(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x80, data: digestInfo, le: 256))
        switch r.status {
        case .success:
            guard r.data.count == 256 else { throw MynaCardError.malformedData("signature of \(r.data.count) bytes") }
            return r.data
        case .securityStatusNotSatisfied: throw MynaCardError.verificationRequired(key.pin)
        default: throw MynaCardError.unexpectedStatus("SIGN", r.status)
        }
    }

    /// Signs a SHA-256 digest: wraps it in the SHA-256 DigestInfo and calls ``sign(digestInfo:with:)``.
    public func sign(sha256Digest digest: [UInt8], with key: Key) async throws(MynaCardError) -> Measured<[UInt8]> {
        guard digest.count == 32 else { throw .malformedData("a SHA-256 digest has 32 bytes, not \(digest.count)") }
        return try await sign(digestInfo: DigestInfo.sha256Prefix + digest, with: key)
    }

    /// Changes the auth PIN or the signing password: verifies `current` (under the PIN rules), then
    /// sends CHANGE REFERENCE DATA with `new`.
    public func changePIN(current: PIN, new: PIN, attempt: PINAttempt = .normal) async throws(MynaCardError) -> Measured<Void> {
        guard current.kind == new.kind, current.kind == .jpkiAuth || current.kind == .jpkiSigning else {
            throw .pinFormatInvalid(new.kind)
        }
        return try await card.exclusive { card in
            try await card.verify(current, attempt: attempt)
            let r = try await card.transmit(CommandAPDU(ins: 0x24, p1: 0x01, p2: 0x80, data: new.ascii, redaction: [.commandData]))
            switch r.status {
            case .success: return
            case .securityStatusNotSatisfied: throw MynaCardError.verificationRequired(current.kind)
            default: throw MynaCardError.unexpectedStatus("CHANGE REFERENCE DATA", r.status)
            }
        }
    }
}

/// DER DigestInfo prefixes (RFC 8017 section 9.2, note 1).
public enum DigestInfo {
    /// `30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20`, followed by the 32-byte SHA-256 digest.
    public static let sha256Prefix: [UInt8] = [
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ]
}
