import Foundation
import MynaCard
import MynaCardSim
import MyNumber
import SmartCard
import Testing

/// The text application's integrity record checked when reading (issue 17 item 8): DF31/DF32 against the
/// files read, DF33 with the key in EF 0004, EF 0004 against a configured card-verifiable CA.
@Suite("Text application integrity record")
struct TextIntegrityTests {
    static let issuers: CVCIssuers = try! CVCIssuers(certificates: [Fixtures.hierarchy.cvcAuthorityCertificate])

    func reading(_ issuers: CVCIssuers = issuers, state: VirtualCardState = Fixtures.state) async throws -> (TextReading, [String]) {
        let (card, _, trace) = Fixtures.insert(state)
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        return (try await card.text.readWithIntegrity(issuers: issuers).value, trace.all)
    }

    @Test("a card of the configured TEST hierarchy reads as verified, with the number and the 4 items")
    func verified() async throws {
        let (r, trace) = try await reading()
        #expect(r.integrity == .verified)
        #expect(r.number == (try Fixtures.holder.myNumber))
        #expect(r.items.name == Fixtures.holder.name)
        #expect(r.files.numberFile.count == 17)
        // The reading and its files never print the number; the trace redacts it.
        #expect(!"\(r)".contains(Fixtures.holder.myNumberDigits) && !"\(r.files)".contains(Fixtures.holder.myNumberDigits))
        #expect(!trace.joined().contains(Fixtures.holder.myNumberDigits))
    }

    @Test("no CA configured: the digests and DF33 check out, the certificate cannot be")
    func issuerUnknown() async throws {
        #expect(try await reading(.none).0.integrity == .digestsMatchIssuerUnknown)
    }

    @Test("a CA with the same key id but another key refuses the certificate")
    func otherCA() async throws {
        let other = try CVCIssuers(certificates: [try TestJPKIHierarchy.generate().cvcAuthorityCertificate])
        #expect(try await reading(other).0.integrity == .mismatch(.certificateSignature))
    }

    @Test("tampered files: each check catches its own change")
    func tampering() async throws {
        let files = try await reading().0.files
        func check(_ change: (inout TextApplicationFiles) -> Void) -> TextIntegrity {
            var f = files
            change(&f)
            return TextIntegrity.check(f, issuers: Self.issuers)
        }
        #expect(check { _ in } == .verified)
        // The filler counts: DF31 is over the physical file.
        #expect(check { $0.numberFile[16] = 0x00 } == .mismatch(.numberDigest))
        #expect(check { $0.numberFile = Array($0.numberFile.prefix(15)) } == .mismatch(.numberDigest))
        // A changed digit of the number.
        #expect(check { $0.numberFile[5] ^= 0x01 } == .mismatch(.numberDigest))
        // A changed sex code in the 4 items (the file ends with DF25 01 "2").
        #expect(check { $0.fourItemsFile[$0.fourItemsFile.count - 1] = 0x31 } == .mismatch(.fourItemsDigest))
        // The offset table (the 8 bytes after `DF 21 08`, wherever the outer length's form puts them) is
        // outside DF32: changing it is not a digest mismatch.
        let table = try #require((0..<(files.fourItemsFile.count - 3)).first { files.fourItemsFile[$0..<($0 + 3)].elementsEqual([0xDF, 0x21, 0x08]) }) + 3
        #expect(check { $0.fourItemsFile[table] ^= 0xFF } == .verified)
        // New digests to match tampered files need a new signature.
        #expect(check { $0.integrityRecord[$0.integrityRecord.count - 1] ^= 0x01 } == .mismatch(.recordSignature))
        #expect(check { $0.certificate = nil } == .mismatch(.noCertificate))
        #expect(check { $0.integrityRecord = Array($0.integrityRecord.prefix(40)) } == .mismatch(.malformed))
        // A certificate for another card's key: DF33 does not verify with it.
        let otherCard = try Fixtures.hierarchy.issueCard(holder: Fixtures.holder, authPIN: Fixtures.authPIN, signingPassword: Fixtures.signingPassword,
                                                        visualPINB: Fixtures.pinB)
        let otherCertificate = try #require(otherCard.cardVerifiableCertificate)
        #expect(check { $0.certificate = Array(otherCertificate) } == .mismatch(.recordSignature))
    }

    @Test("a format-1 card file without EF 0004 reads with the reason, not an error")
    func formatOneCard() async throws {
        var old = Fixtures.state
        old.cardVerifiableCertificate = nil
        #expect(try await reading(state: old).0.integrity == .mismatch(.noCertificate))
    }

    @Test("the CVC parser takes the EF form and the GET DATA form, and refuses another body size")
    func parser() throws {
        let ca = Fixtures.hierarchy.cvcAuthorityCertificate
        let c = try CardVerifiableCertificate(bytes: ca)
        #expect(CardVerifiableCertificate.describe(keyID: c.issuerKeyID) == "9000033/001")
        #expect(try CardVerifiableCertificate(bytes: Array(ca.dropFirst(5))) == c)
        #expect(c.isSigned(by: c.publicKey))
        var short = ca
        short[9] = 0x28  // 5F4E says 296 bytes
        #expect(throws: MynaCardError.self) { try CardVerifiableCertificate(bytes: short) }
        // An issuer file that is not self-certified is refused, not trusted.
        let cardCVC = try #require(Fixtures.state.cardVerifiableCertificate)
        #expect(throws: MynaCardError.self) { try CVCIssuers(certificates: [Array(cardCVC)]) }
    }
}
