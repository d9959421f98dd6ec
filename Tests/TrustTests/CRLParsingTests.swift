import Foundation
import Testing
import X509
@testable import Trust

/// Parsing generated CRLs and comparing every field with what OpenSSL prints for the same file.
@Suite struct CRLParsingTests {
    static let tricky: [CRLEntry] = {
        let t = Date(timeIntervalSince1970: 1_718_000_000)
        return [
            CRLEntry(serial: [0x01], revocationDate: t),
            CRLEntry(serial: [0x00, 0x80], revocationDate: t, reason: .keyCompromise),
            CRLEntry(serial: [0x00, 0xFF, 0x01, 0x02], revocationDate: t.addingTimeInterval(60), reason: .certificateHold,
                     invalidityDate: t.addingTimeInterval(-86_400)),
            CRLEntry(serial: Array(repeating: 0x7F, count: 20), revocationDate: t, reason: .superseded),
            CRLEntry(serial: [0x00] + Array(repeating: 0xAB, count: 19), revocationDate: t, reason: .affiliationChanged),
            CRLEntry(serial: [0x12, 0x34, 0x56], revocationDate: t, invalidityDate: t.addingTimeInterval(-3600)),
            // After 2049 the revocation date must be GeneralizedTime (RFC 5280 section 5.1.2.4).
            CRLEntry(serial: [0x55, 0x66], revocationDate: Date(timeIntervalSince1970: 2_600_000_000), reason: .cessationOfOperation),
        ]
    }()

    @Test func roundTripsFieldsAndSignature() throws {
        let der = try CRLFixture.builder(number: 42).der(entries: Self.tricky)
        let reader = try CRLReader(bytes: der)
        #expect(reader.info.version == 2)
        #expect(reader.info.crlNumber == CRLNumber(42))
        #expect(reader.info.baseCRLNumber == nil)
        #expect(reader.info.issuer == CRLFixture.hierarchy.authCACertificate.subject)
        #expect(reader.info.authorityKeyIdentifier == CRLFixture.issuerKey.subjectKeyIdentifier)
        #expect(reader.info.signatureAlgorithm == .sha256WithRSAEncryption)
        #expect(reader.info.freshness(at: CRLFixture.now) == .current)
        let entries = try reader.entries(verifyingWith: CRLFixture.issuerKey)
        #expect(entries == Self.tricky)
    }

    @Test func agreesWithOpenSSLText() throws {
        let der = try CRLFixture.builder(number: 7).der(entries: Self.tricky)
        let path = CRLFixture.write(der, "tricky.crl")
        #expect(CRLFixture.opensslVerifies(path))
        let text = CRLFixture.openssl(["crl", "-inform", "DER", "-in", path, "-noout", "-text"]).output
        // OpenSSL prints "Serial Number: HEX" per entry, then the reason and invalidity date lines.
        let blocks = text.components(separatedBy: "Serial Number: ").dropFirst()
        let parsed = try CRLReader(path: path).entries(verifyingWith: CRLFixture.issuerKey)
        #expect(blocks.count == parsed.count)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy"
        for (block, entry) in zip(blocks, parsed) {
            let lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            // OpenSSL prints the magnitude; the index keeps the DER content bytes with their sign byte.
            let magnitude = entry.serial.count > 1 && entry.serial[0] == 0 ? String(entry.serialHex.dropFirst(2)) : entry.serialHex
            #expect(lines[0] == magnitude)
            let opensslReason = lines.firstIndex(of: "X509v3 CRL Reason Code:").map { lines[$0 + 1] }
            #expect(opensslReason == entry.reason.map(Self.opensslReasonName))
            let inv = lines.firstIndex(of: "Invalidity Date:").map { lines[$0 + 1] }
            #expect(inv == entry.invalidityDate.map { Self.opensslDate($0, formatter) })
            let revocation = lines.first { $0.hasPrefix("Revocation Date: ") }?.dropFirst(17)
            #expect(revocation.map(String.init) == Self.opensslDate(entry.revocationDate, formatter))
        }
        #expect(text.contains("X509 CRL DER") == false)
        #expect(text.contains("X509v3 CRL Number:"))
    }

    static func opensslDate(_ d: Date, _ f: DateFormatter) -> String {
        // OpenSSL pads the day with a space: "Jun 10 06:13:20 2024 GMT", "Jun  1 ...".
        let s = f.string(from: d)
        let parts = s.split(separator: " ", maxSplits: 1)
        let rest = parts[1]
        let day = rest.prefix(while: { $0 != " " })
        return parts[0] + " " + (day.count == 1 ? " " : "") + rest + " GMT"
    }

    static func opensslReasonName(_ r: CRLReason) -> String {
        switch r {
        case .unspecified: return "Unspecified"
        case .keyCompromise: return "Key Compromise"
        case .cACompromise: return "CA Compromise"
        case .affiliationChanged: return "Affiliation Changed"
        case .superseded: return "Superseded"
        case .cessationOfOperation: return "Cessation Of Operation"
        case .certificateHold: return "Certificate Hold"
        case .removeFromCRL: return "Remove From CRL"
        case .privilegeWithdrawn: return "Privilege Withdrawn"
        case .aACompromise: return "AA Compromise"
        }
    }

    @Test func pemIsAccepted() throws {
        let der = try CRLFixture.builder().der(entries: Self.tricky)
        let pem = "-----BEGIN X509 CRL-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters) + "\n-----END X509 CRL-----\n"
        let reader = try CRLReader(bytes: Array(pem.utf8))
        #expect(try reader.entries(verifyingWith: CRLFixture.issuerKey) == Self.tricky)
    }

    @Test func emptyCRLOmitsTheListAndOpenSSLAccepts() throws {
        let der = try CRLFixture.builder().der(entries: [CRLEntry]())
        let path = CRLFixture.write(der, "empty.crl")
        #expect(CRLFixture.opensslVerifies(path))
        let reader = try CRLReader(path: path)
        #expect(try reader.forEachEntry(verifyingWith: CRLFixture.issuerKey) { _ in }.entryCount == 0)
    }

    @Test func badSignatureRejectedByBoth() throws {
        var der = try CRLFixture.builder().der(entries: Self.tricky)
        let good = CRLFixture.write(der, "good.crl")
        #expect(CRLFixture.opensslVerifies(good))
        der[der.count - 10] ^= 0x01  // inside the signature value
        let bad = CRLFixture.write(der, "badsig.crl")
        #expect(!CRLFixture.opensslVerifies(bad))
        #expect(throws: CRLError.badSignature) { try CRLReader(path: bad).entries(verifyingWith: CRLFixture.issuerKey) }
        // A tampered entry (the tbsCertList changes, the signature does not).
        var tampered = try CRLFixture.builder().der(entries: Self.tricky)
        let at = tampered.firstIndex(of: 0x7F)!
        tampered[at] = 0x7E
        let tamperedPath = CRLFixture.write(tampered, "tampered.crl")
        #expect(!CRLFixture.opensslVerifies(tamperedPath))
        #expect(throws: CRLError.badSignature) { try CRLReader(path: tamperedPath).entries(verifyingWith: CRLFixture.issuerKey) }
    }

    @Test func wrongIssuerIsRefused() throws {
        let der = try CRLFixture.builder().der(entries: Self.tricky)
        let other = try CRLIssuerKey(certificate: CRLFixture.hierarchy.signCACertificate)
        #expect(throws: CRLError.self) { try CRLReader(bytes: der).entries(verifyingWith: other) }
    }

    @Test func freshnessStates() {
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        let next = t.addingTimeInterval(3600)
        #expect(CRLFreshness(thisUpdate: t, nextUpdate: next, at: t) == .current)
        #expect(CRLFreshness(thisUpdate: t, nextUpdate: next, at: next) == .stale(since: next))
        #expect(CRLFreshness(thisUpdate: t, nextUpdate: next, at: t.addingTimeInterval(-1)) == .notYetValid)
        #expect(CRLFreshness(thisUpdate: t, nextUpdate: nil, at: t.addingTimeInterval(1)) == .stale(since: t))
        let stale = CRLFreshness.stale(since: next)
        #expect(StaleCRLPolicy.failClosed.refusal(for: stale, at: next.addingTimeInterval(1)) != nil)
        #expect(StaleCRLPolicy.acceptFor(hours: 2).refusal(for: stale, at: next.addingTimeInterval(3600)) == nil)
        #expect(StaleCRLPolicy.acceptFor(hours: 2).refusal(for: stale, at: next.addingTimeInterval(7201)) != nil)
        #expect(StaleCRLPolicy.acceptFor(hours: 2).refusal(for: .notYetValid, at: t) != nil)
    }

    @Test func timesRoundTrip() throws {
        for s: Int64 in [0, 951_782_400, 1_709_164_800, 2_524_607_999, 2_524_608_000, 4_102_444_800, 4_294_967_295] {
            let (tag, bytes) = DERTime.encode(s)
            let back = try bytes.withUnsafeBytes { try DERTime.seconds(tag: tag, $0) }
            #expect(back == s)
        }
        let leap = Array("20240229120000Z".utf8)
        #expect(try leap.withUnsafeBytes { try DERTime.seconds(tag: 0x18, $0) } == 1_709_208_000)
        let badDay = Array("20230229120000Z".utf8)
        #expect(throws: CRLError.self) { try badDay.withUnsafeBytes { try DERTime.seconds(tag: 0x18, $0) } }
    }
}
