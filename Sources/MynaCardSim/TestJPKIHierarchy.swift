import Crypto
import Foundation
import MynaCard
import SwiftASN1
import X509
import CryptoExtras

/// A JPKI-shaped **test** hierarchy: a user-authentication CA and a signing CA that issue virtual cards.
///
/// Like the real J-LIS CAs (domain.md section 3), each CA is a self-signed RSA-2048/SHA-256 root; the
/// subjects follow the real ones' shape but say TEST, so no one can mistake a test certificate for a real
/// one: `C=JP, O=JPKI, OU=JPKI for user authentication (TEST), OU=MynaGate test CA`.
public struct TestJPKIHierarchy: Sendable {
    /// The user-authentication CA's certificate (a trust anchor for door access tests).
    public let authCACertificate: Certificate
    /// The signing CA's certificate.
    public let signCACertificate: Certificate
    let authCAKey: _RSA.Signing.PrivateKey
    let signCAKey: _RSA.Signing.PrivateKey
    /// The TEST card-verifiable CA: it certifies each card's issuer key in the 券面 applications' EF
    /// `0004`, as J-LIS's keys `5000023`/`5000033` do on real cards (soltia48/myna-card `src/ca.rs`).
    /// Its key id starts with `9`, which no real hierarchy uses (production `5`, J-LIS test `6`).
    let cvcCAKey: _RSA.Signing.PrivateKey

    /// The TEST card-verifiable CA's key identifier: `9000033` `08 05` `001` + padding.
    public static let cvcCAKeyID: [UInt8] = CVC.keyID("9000033")

    /// The TEST card-verifiable CA's own certificate (`7F21`, issuer = subject = ``cvcCAKeyID``,
    /// self-signed): what GET DATA `F8` answers at a virtual card's MF, and what a reader configures as
    /// its card-verifiable issuer to check EF `0004` (``MynaCard`` `CVCIssuers`).
    public var cvcAuthorityCertificate: [UInt8] {
        CVC.certificate(issuerKeyID: Self.cvcCAKeyID, subjectKeyID: Self.cvcCAKeyID, subject: cvcCAKey.publicKey, issuer: cvcCAKey)
    }

    /// File names inside a hierarchy directory.
    public enum FileName {
        public static let authCA = "auth-ca.pem"
        public static let authCAKey = "auth-ca-key.pem"
        public static let signCA = "sign-ca.pem"
        public static let signCAKey = "sign-ca-key.pem"
        /// The TEST card-verifiable CA's private key.
        public static let cvcCAKey = "cvc-ca-key.pem"
        /// Its certificate in the card's `7F21` form, for readers to configure (public).
        public static let cvcCA = "cvc-ca.cvc"
    }

    /// The subject (and issuer) of the test user-authentication CA.
    public static let authCAName = try! DistinguishedName {
        CountryName("JP")
        OrganizationName("JPKI")
        OrganizationalUnitName("JPKI for user authentication (TEST)")
        OrganizationalUnitName("MynaGate test CA")
    }

    /// The subject (and issuer) of the test signing CA.
    public static let signCAName = try! DistinguishedName {
        CountryName("JP")
        OrganizationName("JPKI")
        OrganizationalUnitName("JPKI for digital signature (TEST)")
        OrganizationalUnitName("MynaGate test CA")
    }

    /// Makes two new CAs, valid from a day before `now` for 10 years, shaped like the real J-LIS roots
    /// (docs/CARD.md "Certificates": no pathLen, subjectAltName DirName, 10-year validity).
    public static func generate(now: Date = Date()) throws -> TestJPKIHierarchy {
        let authKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return TestJPKIHierarchy(
            authCACertificate: try makeRoot(name: authCAName, key: authKey, now: now),
            signCACertificate: try makeRoot(name: signCAName, key: signKey, now: now),
            authCAKey: authKey, signCAKey: signKey, cvcCAKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    static func makeRoot(name: DistinguishedName, key: _RSA.Signing.PrivateKey, now: Date) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectAlternativeNames([.directoryName(try DistinguishedName {
                CountryName("JP")
                OrganizationName("公的個人認証サービス (TEST)")
            })])
            SubjectKeyIdentifier(hash: publicKey)
        }
        // 16 random bytes with the top bit clear: swift-certificates' default draws 20 and may prepend 00,
        // which exceeds RFC 5280's 20-octet limit that OpenSC and strict verifiers enforce.
        var rng = SystemRandomNumberGenerator()
        var serial = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        serial[0] = UInt8.random(in: 1...0x7F, using: &rng)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(10 * 365.25 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
    }

    /// Writes the four PEM files into `directory` (created if missing). The key files get mode 0600.
    public func save(to directory: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ text: String, _ name: String, secret: Bool) throws {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            if secret { try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
        }
        try write(authCACertificate.serializeAsPEM().pemString + "\n", FileName.authCA, secret: false)
        try write(authCAKey.pemRepresentation + "\n", FileName.authCAKey, secret: true)
        try write(signCACertificate.serializeAsPEM().pemString + "\n", FileName.signCA, secret: false)
        try write(signCAKey.pemRepresentation + "\n", FileName.signCAKey, secret: true)
        try write(cvcCAKey.pemRepresentation + "\n", FileName.cvcCAKey, secret: true)
        try Data(cvcAuthorityCertificate).write(to: directory.appendingPathComponent(FileName.cvcCA), options: .atomic)
    }

    /// Reads a hierarchy written by ``save(to:)``.
    ///
    /// - Throws: ``VirtualCardError/unreadable(_:)`` naming the file that is missing or malformed, or
    ///   when a key does not belong to its certificate.
    public static func load(from directory: URL) throws -> TestJPKIHierarchy {
        func read(_ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                throw VirtualCardError.unreadable("cannot read \(url.path)")
            }
            return text
        }
        func parse<T>(_ name: String, _ body: (String) throws -> T) throws -> T {
            let text = try read(name)
            do { return try body(text) } catch {
                throw VirtualCardError.unreadable("\(directory.appendingPathComponent(name).path) is not a valid PEM file")
            }
        }
        let authCert = try parse(FileName.authCA) { try Certificate(pemEncoded: $0) }
        let signCert = try parse(FileName.signCA) { try Certificate(pemEncoded: $0) }
        let authKey = try parse(FileName.authCAKey) { try _RSA.Signing.PrivateKey(pemRepresentation: $0) }
        let signKey = try parse(FileName.signCAKey) { try _RSA.Signing.PrivateKey(pemRepresentation: $0) }
        guard authCert.publicKey == Certificate.PublicKey(authKey.publicKey),
              signCert.publicKey == Certificate.PublicKey(signKey.publicKey) else {
            throw VirtualCardError.unreadable("a CA key in \(directory.path) does not match its certificate")
        }
        // A directory written before the card-verifiable CA existed gets one now, written beside the
        // others: it is independent of the X.509 CAs, so no certificate issued earlier changes.
        let cvcKey: _RSA.Signing.PrivateKey
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(FileName.cvcCAKey).path) {
            cvcKey = try parse(FileName.cvcCAKey) { try _RSA.Signing.PrivateKey(pemRepresentation: $0) }
        } else {
            cvcKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let hierarchy = TestJPKIHierarchy(authCACertificate: authCert, signCACertificate: signCert,
                                              authCAKey: authKey, signCAKey: signKey, cvcCAKey: cvcKey)
            try hierarchy.save(to: directory)
            return hierarchy
        }
        return TestJPKIHierarchy(authCACertificate: authCert, signCACertificate: signCert,
                                 authCAKey: authKey, signCAKey: signKey, cvcCAKey: cvcKey)
    }

    /// Issues a card to `holder`: new key pairs, the two JPKI certificates, the text and visual
    /// applications' data, and PINs with full counters.
    ///
    /// - Parameters:
    ///   - authPIN: 4 digits.
    ///   - signingPassword: 6–16 of `A–Z 0–9`.
    ///   - textPIN: the text application's PIN (EF `0011`), 4 digits. Holders may set it to the auth PIN's
    ///     value and often do (city guidance says they "can be set to the same value", not that they are),
    ///     so `nil` makes it equal to `authPIN`; pass another value to test a card where they differ.
    ///   - visualPINB: 14 digits; `nil` derives it as a real card's is made (``VisualPINB``): birth date
    ///     with its Japanese-era year `YYMMDD` + the card's expiry year `YYYY` + a random 4-digit security code.
    ///   - issuedAt: the issue instant; certificates are valid from it to the holder's 5th birthday after
    ///     it (JST), the card to the 10th (5th for holders under 18).
    ///   - serial: the auth certificate's serial as DER INTEGER content bytes (1–20, positive; a leading
    ///     `00` is kept when the next byte has its top bit set), for edge-case tests. `nil` draws a random
    ///     serial of random length 1–20 bytes.
    /// - Throws: ``VirtualCardError`` for a malformed PIN, holder or serial.
    public func issueCard(
        holder: CardHolder, authPIN: String, signingPassword: String, textPIN: String? = nil,
        visualPINB: String? = nil, issuedAt: Date = Date(), serial: [UInt8]? = nil
    ) throws -> VirtualCardState {
        guard PINCounter.Format.fourDigits.accepts(authPIN) else {
            throw VirtualCardError.invalidPIN("the user-authentication PIN must be 4 digits")
        }
        if let t = textPIN, !PINCounter.Format.fourDigits.accepts(t) {
            throw VirtualCardError.invalidPIN("the text application's PIN must be 4 digits")
        }
        guard PINCounter.Format.signingPassword.accepts(signingPassword) else {
            throw VirtualCardError.invalidPIN("the signing password must be 6 to 16 characters A-Z 0-9")
        }
        if let b = visualPINB, !PINCounter.Format.fourteenDigits.accepts(b) {
            throw VirtualCardError.invalidPIN("照合番号B must be 14 digits")
        }
        guard let birth = CivilDate(yyyymmdd: holder.birthDate) else {
            throw VirtualCardError.invalidHolder("birth date must be YYYYMMDD")
        }
        do { _ = try holder.myNumber } catch {
            throw VirtualCardError.invalidHolder("the individual number is not valid")
        }
        guard !holder.name.isEmpty, !holder.address.isEmpty else {
            throw VirtualCardError.invalidHolder("name and address must not be empty")
        }
        let issued = CivilDate(issuedAt)
        guard birth < issued else { throw VirtualCardError.invalidHolder("birth date is not before the issue date") }
        let certExpiry = birth.nthBirthday(5, after: issued)
        let cardExpiry = birth.nthBirthday(birth.age(on: issued) >= 18 ? 10 : 5, after: issued)

        var rng = SystemRandomNumberGenerator()
        let authSerial = try serial.map(Self.checkedSerial) ?? Self.randomSerial(using: &rng)
        let authKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let textKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let visualKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        guard let birthKey = JPKIProfile.eraYYMMDD(holder.birthDate) else {
            throw VirtualCardError.invalidHolder("birth date is before 1868-01-25")
        }

        let authCert = try issueAuthCertificate(key: authKey, serial: authSerial, from: issuedAt, to: certExpiry.endOfDay, rng: &rng)
        let signCert = try issueSignCertificate(holder: holder, key: signKey, serial: Self.randomSerial(using: &rng),
                                                from: issuedAt, to: certExpiry.endOfDay, rng: &rng)

        let securityCode: String
        let pinB: String
        if let b = visualPINB {
            pinB = b
            securityCode = String(b.suffix(4))
        } else {
            securityCode = String(format: "%04d", Int.random(in: 0...9999, using: &rng))
            do {
                pinB = try VisualPINB(birthDate: holder.birthDate, expiryYear: cardExpiry.year, securityCode: securityCode).digits
            } catch {
                throw VirtualCardError.invalidHolder("照合番号B cannot be made: \(error.englishMessage)")
            }
        }

        var state = VirtualCardState(
            holder: holder,
            authPrivateKey: Array(authKey.derRepresentation),
            signPrivateKey: Array(signKey.derRepresentation),
            authCertificate: try Self.der(authCert),
            authCACertificate: try Self.der(authCACertificate),
            signCertificate: try Self.der(signCert),
            signCACertificate: try Self.der(signCACertificate),
            token: VirtualCardState.jpkiToken,
            authPIN: PINCounter(value: authPIN, maxTries: 3, format: .fourDigits),
            signingPassword: PINCounter(value: signingPassword, maxTries: 5, format: .signingPassword),
            textPIN: PINCounter(value: textPIN ?? authPIN, maxTries: 3, format: .fourDigits),
            visualPINB: PINCounter(value: pinB, maxTries: 10, format: .fourteenDigits),
            visualPINA: PINCounter(value: holder.myNumberDigits, maxTries: 10, format: .twelveDigits),
            textSigningKey: Array(textKey.derRepresentation),
            faceImage: CardImages.faceJP2(seed: holder.name + holder.birthDate),
            nameImage: CardImages.png(seed: "name:" + holder.name, width: 128, height: 16),
            addressImage: CardImages.png(seed: "address:" + holder.address, width: 256, height: 32),
            securityCodeImage: CardImages.png(seed: "code:" + securityCode, width: 32, height: 16),
            cardExpiry: cardExpiry.yyyymmdd,
            securityCode: securityCode)
        // The 券面 applications' issuer key (textKey) is certified by the TEST card-verifiable CA; its
        // subject key id names the municipality, as real ones do (soltia48 `ApBasicData` notes).
        let municipality = VirtualCardState.testMunicipalityCode
        state.cardVerifiableCertificate = Data(CVC.certificate(
            issuerKeyID: Self.cvcCAKeyID, subjectKeyID: CVC.keyID("90" + municipality),
            subject: textKey.publicKey, issuer: cvcCAKey))
        state.cvcAuthorityCertificate = Data(cvcAuthorityCertificate)
        state.visualCardKey = visualKey.derRepresentation
        state.visualBirthKey = PINCounter(value: birthKey, maxTries: VirtualCardState.birthKeyTries, format: .sixDigits)
        state.cardSerial = VirtualCardState.randomSerialDigits()
        state.municipalityCode = municipality
        state.textPINA = PINCounter(value: holder.myNumberDigits, maxTries: VirtualCardState.codeTries, format: .twelveDigits)
        state.textPINB = PINCounter(value: pinB, maxTries: VirtualCardState.codeTries, format: .fourteenDigits)
        return state
    }

    /// `state` with the card-verifiable certificates a format-1 card file lacks, made by this
    /// hierarchy's TEST card-verifiable CA over the card's own issuer key (and the other format-2 parts
    /// generated); `nil` when nothing was missing. For card files issued by this hierarchy before issue 17.
    ///
    /// - Throws: ``VirtualCardError/unreadable(_:)`` when the card's issuer key does not parse (it cannot
    ///   be certified, and a card left without EF `0004` would pass for a format-1 card), or what
    ///   ``VirtualCardState/completingMissingParts()`` throws.
    public func certifying(_ state: VirtualCardState) throws(VirtualCardError) -> VirtualCardState? {
        let completed = try state.completingMissingParts()
        var s = completed ?? state
        if s.cardVerifiableCertificate != nil, s.cvcAuthorityCertificate != nil { return completed }
        let issuerKey: _RSA.Signing.PrivateKey
        do { issuerKey = try _RSA.Signing.PrivateKey(derRepresentation: s.textSigningKey) } catch {
            throw .unreadable("the card's text signing key does not parse, so it cannot be certified")
        }
        s.cardVerifiableCertificate = Data(CVC.certificate(
            issuerKeyID: Self.cvcCAKeyID, subjectKeyID: CVC.keyID("90" + (s.municipalityCode ?? VirtualCardState.testMunicipalityCode)),
            subject: issuerKey.publicKey, issuer: cvcCAKey))
        s.cvcAuthorityCertificate = Data(cvcAuthorityCertificate)
        return s
    }

    // MARK: - End-entity certificates

    func issueAuthCertificate(
        key: _RSA.Signing.PrivateKey, serial: [UInt8], from: Date, to: Date, rng: inout SystemRandomNumberGenerator
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        // No personal data: the subject is an opaque identifier and the country (domain.md section 3).
        let subject = try DistinguishedName {
            CountryName("JP")
            CommonName(Self.randomIdentifier(using: &rng))
        }
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true))
            try JPKIProfile.certificatePolicies(JPKIProfile.authPolicy)
            try commonExtensions(subjectKey: publicKey, issuer: authCACertificate, kind: "auth")
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: publicKey,
            notValidBefore: from, notValidAfter: to, issuer: authCACertificate.subject, subject: subject,
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(authCAKey))
    }

    func issueSignCertificate(
        holder: CardHolder, key: _RSA.Signing.PrivateKey, serial: [UInt8], from: Date, to: Date,
        rng: inout SystemRandomNumberGenerator
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        // Real signing certificates name the holder's prefecture and municipality in romaji as L
        // attributes before an opaque CN; the personal data proper is in the SAN.
        let locality = holder.romanisedLocality
        let subject = try DistinguishedName {
            CountryName("JP")
            if let l = locality { LocalityName(l.prefecture) }
            if let l = locality, !l.city.isEmpty { LocalityName(l.city) }
            CommonName(Self.randomIdentifier(using: &rng))
        }
        guard let eraBirth = JPKIProfile.eraDate(holder.birthDate) else {
            throw VirtualCardError.invalidHolder("birth date is before 1868-01-25")
        }
        let san = SubjectAlternativeNames([
            try JPKIProfile.otherName(JPKIProfile.name, holder.name),
            try JPKIProfile.otherName(JPKIProfile.dateOfBirth, eraBirth),
            try JPKIProfile.otherName(JPKIProfile.sex, holder.sex.rawValue),
            try JPKIProfile.otherName(JPKIProfile.address, holder.address),
        ])
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
            try JPKIProfile.certificatePolicies(JPKIProfile.signPolicy)
            san
            try commonExtensions(subjectKey: publicKey, issuer: signCACertificate, kind: "sign")
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: publicKey,
            notValidBefore: from, notValidAfter: to, issuer: signCACertificate.subject, subject: subject,
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(signCAKey))
    }

    /// Key identifiers, CRL distribution points and OCSP, as real JPKI end-entity certificates carry:
    /// they make the test certificates the size of real ones (about 1.5 KB) and give verifiers the fields
    /// they look for. The URLs are under `.invalid`, so nothing resolves them.
    func commonExtensions(subjectKey: Certificate.PublicKey, issuer: Certificate, kind: String) throws -> Certificate.Extensions {
        let issuerKeyID = try issuer.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier
        let crlName = try DistinguishedName {
            CountryName("JP")
            OrganizationName("JPKI")
            OrganizationalUnitName(kind == "auth" ? "JPKI for user authentication (TEST)" : "JPKI for digital signature (TEST)")
            OrganizationalUnitName("CRL Distribution Points")
            CommonName("MynaGate test CRL")
        }
        let host = "http://jpki-test.mynagate.invalid"
        return try Certificate.Extensions {
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
            SubjectKeyIdentifier(hash: subjectKey)
            try JPKIProfile.crlDistributionPoints([
                .directoryName(crlName),
                .uniformResourceIdentifier("\(host)/crl/\(kind).crl"),
            ])
            AuthorityInformationAccess([
                .init(method: .ocspServer, location: .uniformResourceIdentifier("\(host)/ocsp/\(kind)")),
                .init(method: .issuingCA, location: .uniformResourceIdentifier("\(host)/ca/\(kind)-ca.cer")),
            ])
        }
    }

    // MARK: - Helpers

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.serialize(certificate)
        return s.serializedBytes
    }

    /// A positive serial of random length 1–20 bytes in DER INTEGER content form. About a quarter start
    /// with a `00` byte (the next byte has its top bit set), the form that trips parsers that take the
    /// INTEGER bytes for the magnitude.
    static func randomSerial(using rng: inout some RandomNumberGenerator) -> [UInt8] {
        let length = Int.random(in: 1...20, using: &rng)
        var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        if length >= 2 && Int.random(in: 0..<4, using: &rng) == 0 {
            bytes[0] = 0x00
            bytes[1] |= 0x80
        } else {
            bytes[0] = UInt8.random(in: 1...0x7F, using: &rng)
        }
        return bytes
    }

    /// Validates a forced serial: DER INTEGER content of 1–20 bytes, positive, minimal.
    static func checkedSerial(_ bytes: [UInt8]) throws -> [UInt8] {
        guard (1...20).contains(bytes.count), bytes[0] & 0x80 == 0 else { throw VirtualCardError.invalidSerial }
        if bytes.count > 1, bytes[0] == 0, bytes[1] & 0x80 == 0 { throw VirtualCardError.invalidSerial }
        guard bytes.contains(where: { $0 != 0 }) else { throw VirtualCardError.invalidSerial }
        return bytes
    }

    /// 32 upper-case hexadecimal characters: an identifier that says nothing about the holder.
    static func randomIdentifier(using rng: inout some RandomNumberGenerator) -> String {
        (0..<16).map { _ in
            let b = UInt8.random(in: 0...255, using: &rng)
            let s = String(b, radix: 16, uppercase: true)
            return b < 16 ? "0" + s : s
        }.joined()
    }
}
