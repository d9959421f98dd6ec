import MynaCardSim
import SmartCard
import Testing

@Suite("SELECT and READ BINARY")
struct SelectAndReadTests {
    @Test func theThreeApplicationsAnswer9000WithP2Of0COr00() {
        let card = Fixture.card()
        for aid in [Fixture.jpkiAID, Fixture.textAID, Fixture.visualAID] {
            #expect(card.process([0x00, 0xA4, 0x04, 0x0C, 0x0A] + aid) == [0x90, 0x00])
            #expect(card.process([0x00, 0xA4, 0x04, 0x00, 0x0A] + aid) == [0x90, 0x00])
            #expect(card.process([0x00, 0xA4, 0x04, 0x00, 0x0A] + aid + [0x00]) == [0x90, 0x00])
        }
    }

    @Test func otherDriversProbesGetFileNotFound() {
        let card = Fixture.card()
        let probes: [[UInt8]] = [
            [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00],  // PIV
            [0xD2, 0x76, 0x00, 0x01, 0x24, 0x01],                                // OpenPGP
            [0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35],  // PKCS#15
            [0xE8, 0x28, 0xBD, 0x08, 0x0F],                                      // ISO 7816-15 / eID
            [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00],              // JPKI AID truncated
            [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00],  // JPKI AID + 1 byte
        ]
        for aid in probes {
            #expect(card.sw([0x00, 0xA4, 0x04, 0x0C, UInt8(aid.count)] + aid) == 0x6A82)
            #expect(card.sw([0x00, 0xA4, 0x04, 0x00, UInt8(aid.count)] + aid + [0x00]) == 0x6A82)
        }
        // SELECT MF, SELECT by path, SELECT with FCP requested, empty DF name.
        #expect(card.sw([0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00]) == 0x6A82)
        #expect(card.sw([0x00, 0xA4, 0x08, 0x0C, 0x02, 0x00, 0x0A]) == 0x6A82)
        #expect(card.sw([0x00, 0xA4, 0x02, 0x04, 0x02, 0x00, 0x0A]) == 0x6A82)
        #expect(card.sw([0x00, 0xA4, 0x04, 0x0C]) == 0x6A82)
    }

    @Test func selectEFNeedsAnApplicationAndAKnownFID() {
        let card = Fixture.card()
        #expect(card.selectEF(0x000A) == 0x6A82)  // nothing selected yet
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        for fid: UInt16 in [0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B] {
            #expect(card.selectEF(fid) == 0x9000)
        }
        for fid: UInt16 in [0x0003, 0x0011, 0x0012, 0x3F00, 0xFFFF] {
            #expect(card.selectEF(fid) == 0x6A82)
        }
        #expect(card.sw([0x00, 0xA4, 0x02, 0x0C, 0x01, 0x0A]) == 0x6A82)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x000A) == 0x6A82)
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        for fid: UInt16 in [0x0002, 0x0005, 0x0012, 0x0013] { #expect(card.selectEF(fid) == 0x9000) }
    }

    @Test func readWithoutCurrentEF() {
        let card = Fixture.card()
        #expect(card.read(offset: 0, le: 4).sw == 0x6986)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6986)
    }

    @Test func openSCStyleReadMatchesTheCertificate() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        let pairs: [(UInt16, [UInt8])] = [
            (0x000A, Fixture.state.authCertificate), (0x000B, Fixture.state.authCACertificate),
            (0x0002, Fixture.state.signCACertificate),
        ]
        for (fid, der) in pairs {
            #expect(card.selectEF(fid) == 0x9000)
            #expect(card.readCertificate() == der)
        }
    }

    @Test func extendedAndShortReadsAgreeByteForByte() {
        let card = Fixture.card()
        let der = Fixture.state.authCertificate
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x000A) == 0x9000)
        let head = card.read(offset: 0, le: 4)
        #expect(head.sw == 0x9000 && head.data == Array(der[0..<4]))
        let rest = card.readExtended(offset: 4, le: der.count - 4)
        #expect(rest.sw == 0x9000)
        #expect(head.data + rest.data == der)
        // The example from domain.md: 00 B0 00 04 00 06 1F.
        let sample = card.process([0x00, 0xB0, 0x00, 0x04, 0x00, 0x06, 0x1F])
        #expect(Array(sample.dropLast(2)) == Array(der[4..<min(der.count, 4 + 0x061F)]))
        // Extended Le 00 00 means 65 536: everything from the offset.
        let all = card.process([0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(Array(all.dropLast(2)) == der && all.suffix(2) == [0x90, 0x00])
        // Short Le 00 means 256.
        #expect(card.read(offset: 0, le: 256).data == Array(der[0..<256]))
    }

    @Test func endOfFileAndPastTheEnd() {
        let card = Fixture.card()
        let der = Fixture.state.authCertificate
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x000A) == 0x9000)
        let tail = card.read(offset: der.count - 10, le: 256)
        #expect(tail.sw == 0x9000 && tail.data == Array(der.suffix(10)))
        #expect(card.read(offset: der.count, le: 1).sw == 0x6B00)
        #expect(card.read(offset: 0x7FFF, le: 1).sw == 0x6B00)
        // No Le at all, or a data field, is a length error.
        #expect(card.sw([0x00, 0xB0, 0x00, 0x00]) == 0x6700)
        #expect(card.sw([0x00, 0xB0, 0x00, 0x00, 0x01, 0x00]) == 0x6700)
    }

    @Test func tokenAndKeyAndPINFiles() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0006) == 0x9000)
        let token = card.read(offset: 0, le: 0x20)
        #expect(token.sw == 0x9000)
        #expect(token.data == Array("JPKIAPICCTOKEN2".utf8) + Array(repeating: 0x20, count: 17))
        for fid: UInt16 in [0x0017, 0x0018, 0x001A, 0x001B] {
            #expect(card.selectEF(fid) == 0x9000)
            #expect(card.read(offset: 0, le: 4).sw == 0x6981)
        }
    }

    @Test func signingCertificateNeedsThePassword() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.readCertificate() == Fixture.state.signCertificate)
    }

    @Test func classAndInstructionErrors() {
        let card = Fixture.card()
        // GET DATA exists (CardFilesTests); an object the MF does not have is 6A88 (soltia48 src/mf.rs).
        #expect(card.sw([0x00, 0xCA, 0x00, 0x00, 0x00]) == 0x6A88)      // GET DATA
        #expect(card.sw([0x00, 0xC0, 0x00, 0x00, 0x00]) == 0x6D00)      // GET RESPONSE
        #expect(card.sw([0xFF, 0xCA, 0x00, 0x00, 0x00]) == 0x6E00)      // reader pseudo-APDU
        #expect(card.sw([0x0C, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID) == 0x6E00)  // secure messaging
        #expect(card.sw([0x01, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID) == 0x6E00)  // logical channel
        #expect(card.sw([0x80, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID) == 0x6E00)
        #expect(card.sw([0x00, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00]) == 0x6E00)
        #expect(card.sw([0x00, 0xA4]) == 0x6700)
        #expect(card.sw([]) == 0x6700)
        #expect(card.sw([0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3]) == 0x6700)  // Lc says 10, 1 byte follows
    }
}
