import Crypto
import MynaCardSim
import SmartCard
import Testing
import X509
import CryptoExtras

@Suite("COMPUTE DIGITAL SIGNATURE")
struct SignTests {
    static let message = Array("MynaGate door 2024-04-01T09:00:00+09:00 nonce 42".utf8)
    static var digestInfo: [UInt8] { Fixture.sha256Prefix + Array(SHA256.hash(data: message)) }

    static func publicKey(_ der: [UInt8]) throws -> _RSA.Signing.PublicKey {
        try #require(_RSA.Signing.PublicKey(try Certificate(derEncoded: der).publicKey))
    }

    @Test func authKeySignsAfterTheAuthPIN() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.selectEF(0x0017) == 0x9000)
        let r = card.sign(Self.digestInfo)
        #expect(r.sw == 0x9000)
        #expect(r.data.count == 256)
        let key = try Self.publicKey(Fixture.state.authCertificate)
        #expect(key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: r.data),
                                     for: SHA256.hash(data: Self.message), padding: .insecurePKCS1v1_5))
        // The signing certificate's key did not make it.
        let other = try Self.publicKey(Fixture.state.signCertificate)
        #expect(!other.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: r.data),
                                        for: SHA256.hash(data: Self.message), padding: .insecurePKCS1v1_5))
    }

    @Test func signingKeySignsAfterThePassword() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.selectEF(0x001A) == 0x9000)
        let r = card.sign(Self.digestInfo)
        #expect(r.sw == 0x9000)
        let key = try Self.publicKey(Fixture.state.signCertificate)
        #expect(key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: r.data),
                                     for: SHA256.hash(data: Self.message), padding: .insecurePKCS1v1_5))
    }

    @Test func theCardPadsWhateverItIsGiven() throws {
        // SHA-1 DigestInfo: the card does not care which hash was used.
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.selectEF(0x0017) == 0x9000)
        let sha1Prefix: [UInt8] = [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14]
        let r = card.sign(sha1Prefix + Array(Insecure.SHA1.hash(data: Self.message)))
        #expect(r.sw == 0x9000)
        let key = try Self.publicKey(Fixture.state.authCertificate)
        #expect(key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: r.data),
                                     for: Insecure.SHA1.hash(data: Self.message), padding: .insecurePKCS1v1_5))
        // Longest input that fits the padding, and one byte more.
        #expect(card.sign(Array(repeating: 0x5A, count: 245)).sw == 0x9000)
        #expect(card.sign(Array(repeating: 0x5A, count: 246)).sw == 0x6700)
        #expect(card.sw([0x80, 0x2A, 0x00, 0x80]) == 0x6700)
    }

    @Test func signWithoutVerifyOrWithTheOtherPIN() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.sign(Self.digestInfo).sw == 0x6986)
        #expect(card.selectEF(0x0017) == 0x9000)
        #expect(card.sign(Self.digestInfo).sw == 0x6982)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.selectEF(0x001A) == 0x9000)
        #expect(card.sign(Self.digestInfo).sw == 0x6982)
        #expect(card.selectEF(0x000A) == 0x9000)
        #expect(card.sign(Self.digestInfo).sw == 0x6981)
        #expect(card.selectEF(0x0017) == 0x9000)
        #expect(card.sw([0x80, 0x2A, 0x9E, 0x9A, 0x01, 0x00, 0x00]) == 0x6A86)
        // Le smaller than the signature: the card names the exact length.
        #expect(card.sw([0x80, 0x2A, 0x00, 0x80, UInt8(Self.digestInfo.count)] + Self.digestInfo + [0x10]) == 0x6C00)
    }

    @Test func resetBetweenVerifyAndSignFails() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        card.reset()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0017) == 0x9000)
        #expect(card.sign(Self.digestInfo).sw == 0x6982)
    }

    @Test func theTransportDrivesTheCard() async throws {
        let card = Fixture.card()
        let transport = EmulatedCardTransport(card: card)
        #expect(await transport.atr == VirtualMynaCard.jpkiATR)
        func send(_ c: [UInt8]) async throws -> ResponseAPDU { try ResponseAPDU(bytes: try await transport.transmit(c)) }
        #expect(try await send([0x00, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID).status == .success)
        #expect(try await send([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]).status == .success)
        let cert = try await send([0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(cert.data == Fixture.state.authCertificate)
        #expect(try await send([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]).status == .success)
        #expect(try await send([0x00, 0x20, 0x00, 0x80, 0x04] + Array(Fixture.authPIN.utf8)).status == .success)
        try await transport.reset()
        #expect(try await send([0x00, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID).status == .success)
        #expect(try await send([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17]).status == .success)
        let di = Self.digestInfo
        #expect(try await send([0x80, 0x2A, 0x00, 0x80, UInt8(di.count)] + di + [0x00]).status == .securityStatusNotSatisfied)
        await transport.removeCard()
        await #expect(throws: CardTransportError.self) { try await transport.transmit([0x00, 0xA4, 0x04, 0x0C]) }
    }
}
