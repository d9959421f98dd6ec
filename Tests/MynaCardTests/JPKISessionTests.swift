import Crypto
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing
import X509
import CryptoExtras

@Suite("JPKI application against the virtual card")
struct JPKISessionTests {
    @Test("the card is identified: three applications and the My Number card token")
    func identify() async throws {
        let (card, _, _) = Fixtures.insert()
        #expect(try await card.applications().value == [.jpki, .text, .visual])
        #expect(try await card.jpki.token().value == "JPKIAPICCTOKEN2")
    }

    @Test("the auth serial costs 3 APDUs and matches the whole certificate's serial",
          arguments: [0, 1, 2])
    func serialWithFewestAPDUs(_ which: Int) async throws {
        let state = [Fixtures.state, Fixtures.leadingZeroSerialState, Fixtures.longSerialState][which]
        let (card, _, _) = Fixtures.insert(state)
        let serial = try await card.jpki.readAuthCertificateSerial()
        #expect(serial.usage.apdus == 3)
        #expect(serial.usage.bytesReceived < 64)
        let parsed = try Certificate(derEncoded: state.authCertificate)
        #expect(serial.value == parsed.serialNumber)
        // A second read on the same card skips the application SELECT.
        #expect(try await card.jpki.readAuthCertificateSerial().usage.apdus == 2)
    }

    @Test("certificates read whole, extended or 256-byte chunks, byte for byte")
    func certificates() async throws {
        let (ext, _, _) = Fixtures.insert(extended: true)
        let (short, _, _) = Fixtures.insert(extended: false)
        let a = try await ext.jpki.certificateDER(.auth)
        let b = try await short.jpki.certificateDER(.auth)
        #expect(a.value == Fixtures.state.authCertificate)
        #expect(b.value == Fixtures.state.authCertificate)
        #expect(a.usage.apdus == 4)  // SELECT AP, SELECT EF, header, rest in one extended read
        #expect(b.usage.apdus == 3 + (Fixtures.state.authCertificate.count - 8 + 255) / 256)
        #expect(try await ext.jpki.certificateDER(.authCA).value == Fixtures.state.authCACertificate)
        #expect(try await ext.jpki.certificateDER(.signingCA).value == Fixtures.state.signCACertificate)
        let cert = try await ext.jpki.certificate(.auth).value
        #expect(cert.subject.description.contains("C=JP"))
    }

    @Test("tries left are read without spending one")
    func triesLeftSpendsNothing() async throws {
        let (card, _, _) = Fixtures.insert()
        for _ in 0..<6 {
            #expect(try await card.jpki.triesLeft(.auth).value == 3)
            #expect(try await card.jpki.triesLeft(.signing).value == 5)
        }
    }

    @Test("a PIN of the wrong form is refused before anything is sent")
    func pinFormat() async throws {
        #expect(throws: MynaCardError.pinFormatInvalid(.jpkiAuth)) { try PIN("12a4", kind: .jpkiAuth) }
        #expect(throws: MynaCardError.pinFormatInvalid(.jpkiAuth)) { try PIN("12345", kind: .jpkiAuth) }
        #expect(throws: MynaCardError.pinFormatInvalid(.jpkiSigning)) { try PIN("AB12", kind: .jpkiSigning) }
        #expect(throws: MynaCardError.pinFormatInvalid(.jpkiSigning)) { try PIN("ABC-123", kind: .jpkiSigning) }
        #expect(try PIN("abc123", kind: .jpkiSigning).kind == .jpkiSigning)  // upper-cased, as the card expects
        // A text PIN given to the JPKI session is refused without an APDU.
        let (card, _, trace) = Fixtures.insert()
        await #expect(throws: MynaCardError.pinFormatInvalid(.text)) {
            try await card.jpki.verify(try PIN("1234", kind: .text))
        }
        #expect(trace.all.isEmpty)
    }

    @Test("wrong PINs count down; the last try needs confirmation; a blocked PIN is never sent")
    func lockout() async throws {
        let (card, _, trace) = Fixtures.insert()
        let wrong = try PIN("9999", kind: .jpkiAuth)
        await #expect(throws: MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 2)) { try await card.jpki.verify(wrong) }
        await #expect(throws: MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 1)) { try await card.jpki.verify(wrong) }
        let sentBefore = trace.all.filter { $0.contains("[PIN redacted]") }.count
        // One try left: refused without sending, even with the right PIN.
        await #expect(throws: MynaCardError.lastTryNeedsConfirmation(.jpkiAuth)) {
            try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth))
        }
        #expect(trace.all.filter { $0.contains("[PIN redacted]") }.count == sentBefore)
        #expect(try await card.jpki.triesLeft(.auth).value == 1)
        // Confirmed, and wrong again: blocked.
        await #expect(throws: MynaCardError.pinBlocked(.jpkiAuth)) { try await card.jpki.verify(wrong, attempt: .confirmedLastTry) }
        #expect(try await card.jpki.triesLeft(.auth).value == 0)
        let sentAtBlock = trace.all.filter { $0.contains("[PIN redacted]") }.count
        await #expect(throws: MynaCardError.pinBlocked(.jpkiAuth)) {
            try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth), attempt: .confirmedLastTry)
        }
        #expect(trace.all.filter { $0.contains("[PIN redacted]") }.count == sentAtBlock)
        // The signing password is a separate counter.
        #expect(try await card.jpki.triesLeft(.signing).value == 5)
    }

    @Test("a confirmed last try with the right PIN succeeds and restores the counter")
    func confirmedLastTry() async throws {
        let (card, _, _) = Fixtures.insert()
        let wrong = try PIN("0000", kind: .jpkiAuth)
        for _ in 0..<2 { await #expect(throws: MynaCardError.self) { try await card.jpki.verify(wrong) } }
        // The two wrong tries were spent: the card is at its last try, which the right PIN then uses.
        #expect(try await card.jpki.triesLeft(.auth).value == 1)
        _ = try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth), attempt: .confirmedLastTry)
        #expect(try await card.jpki.triesLeft(.auth).value == 3)
    }

    @Test("signing needs VERIFY in the same session; the signature verifies with the certificate's key")
    func sign() async throws {
        let (card, _, _) = Fixtures.insert()
        let digest = Array(SHA256.hash(data: Data("challenge".utf8)))
        await #expect(throws: MynaCardError.verificationRequired(.jpkiAuth)) {
            try await card.jpki.sign(sha256Digest: digest, with: .auth)
        }
        _ = try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth))
        let signature = try await card.jpki.sign(sha256Digest: digest, with: .auth)
        #expect(signature.value.count == 256)
        #expect(signature.usage.apdus == 2)  // SELECT key EF, SIGN
        let cert = try Certificate(derEncoded: Fixtures.state.authCertificate)
        let key = try #require(_RSA.Signing.PublicKey(cert.publicKey))
        #expect(key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature.value), for: SHA256.hash(data: Data("challenge".utf8)), padding: .insecurePKCS1v1_5))
        // The auth PIN does not unlock the signing key.
        await #expect(throws: MynaCardError.verificationRequired(.jpkiSigning)) {
            try await card.jpki.sign(sha256Digest: digest, with: .signing)
        }
    }

    @Test("a reset between VERIFY and SIGN clears the card's security status")
    func resetClearsVerification() async throws {
        let (card, _, _) = Fixtures.insert()
        _ = try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth))
        try await card.reset()
        await #expect(throws: MynaCardError.verificationRequired(.jpkiAuth)) {
            try await card.jpki.sign(sha256Digest: [UInt8](repeating: 1, count: 32), with: .auth)
        }
    }

    @Test("the signing certificate needs the signing password; then it signs with the signing key")
    func signingCertificate() async throws {
        let (card, _, _) = Fixtures.insert()
        await #expect(throws: MynaCardError.verificationRequired(.jpkiSigning)) { try await card.jpki.certificateDER(.signing) }
        _ = try await card.jpki.verify(try PIN(Fixtures.signingPassword, kind: .jpkiSigning))
        let der = try await card.jpki.certificateDER(.signing).value
        #expect(der == Fixtures.state.signCertificate)
        let sig = try await card.jpki.sign(sha256Digest: [UInt8](repeating: 7, count: 32), with: .signing)
        #expect(sig.value.count == 256)
    }

    @Test("changing the PIN: the old one stops working, the new one works")
    func changePIN() async throws {
        let (card, _, _) = Fixtures.insert()
        _ = try await card.jpki.changePIN(current: try PIN(Fixtures.authPIN, kind: .jpkiAuth), new: try PIN("4321", kind: .jpkiAuth))
        try await card.reset()
        await #expect(throws: MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 2)) {
            try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth))
        }
        _ = try await card.jpki.verify(try PIN("4321", kind: .jpkiAuth))
    }

    @Test("a removed card is a typed error with Japanese and English messages")
    func removed() async throws {
        let (card, transport, _) = Fixtures.insert()
        await transport.removeCard()
        await #expect(throws: MynaCardError.cardRemoved) { try await card.jpki.readAuthCertificateSerial() }
        #expect(MynaCardError.cardRemoved.japaneseMessage == "カードが取り外されました。")
        #expect(MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 2).englishMessage == "Wrong authentication PIN. 2 tries left.")
    }

    @Test("the trace never shows a PIN")
    func traceHidesPIN() async throws {
        let (card, _, trace) = Fixtures.insert()
        _ = try await card.jpki.verify(try PIN(Fixtures.authPIN, kind: .jpkiAuth))
        #expect(trace.text.contains("00 20 00 80 [PIN redacted]"))
        #expect(!trace.text.contains("31 32 33 34"))
    }
}
