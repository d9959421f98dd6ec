import CryptoExtras
import Crypto
import Foundation
@testable import MynaCard
@testable import MynaCardSim
import SmartCard
import Testing

/// Forged integrity records (issue 17 item 8, attacker review finding 1): the issuer key that EF 0004
/// certifies also signs the visual application's records with the same scheme over the bytes before
/// the signature. Re-wrapped in `FF30` with made-up digests after the signature, a lax parser would take
/// them for a verified text record of any number. The strict layout refuses each as malformed.
@Suite("Text application integrity record: forged from visual records")
struct TextIntegrityForgeryTests {
    static let issuers: CVCIssuers = try! CVCIssuers(certificates: [Fixtures.hierarchy.cvcAuthorityCertificate])

    /// The first three objects inside `record`'s outer object: the two signed ones as written, and the
    /// signature's value.
    static func parts(of record: [UInt8]) throws -> (signed: [UInt8], signature: [UInt8]) {
        let outer = try BERTLV.parseHeader(record)
        var at = outer.headerLength
        var objects: [(start: Int, end: Int, valueStart: Int)] = []
        for _ in 0..<3 {
            let h = try BERTLV.parseHeader(record[at...])
            objects.append((at, at + h.headerLength + h.valueLength, at + h.headerLength))
            at += h.headerLength + h.valueLength
        }
        return (Array(record[objects[0].start..<objects[1].end]), Array(record[objects[2].valueStart..<objects[2].end]))
    }

    /// `FF30 { <signed visual objects>, DF33 <their signature>, DF31 <digest of numberFile>, DF32 <digest of the 4 items> }`.
    static func forgedRecord(from visual: [UInt8], numberFile: [UInt8], fourItemsFile: [UInt8]) throws -> [UInt8] {
        let (signed, signature) = try parts(of: visual)
        let source = try TextIntegrity.fourItemsDigestSource(fourItemsFile)
        return TLV.encode(0xFF30, signed + TLV.encode(0xDF33, signature)
            + TLV.encode(0xDF31, Array(SHA256.hash(data: numberFile)))
            + TLV.encode(0xDF32, Array(SHA256.hash(data: source))))
    }

    /// The visual application's EF 0001 (age record) and EF 0005 (number side), as the card writes them.
    static func visualRecords(_ state: VirtualCardState) throws -> [[UInt8]] {
        let issuer = try _RSA.Signing.PrivateKey(derRepresentation: state.textSigningKey)
        let own = try _RSA.Signing.PrivateKey(derRepresentation: try #require(state.visualCardKey))
        let ownPublic = CVC.publicKeyTLV(own.publicKey)
        return [VisualApplication.ageRecord(state, publicKey: ownPublic, issuer: issuer),
                VisualApplication.numberSideEF(state, publicKey: ownPublic, issuer: issuer)]
    }

    func genuineFiles() async throws -> TextApplicationFiles {
        let (card, _, _) = Fixtures.insert(Fixtures.state)
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        return try await card.text.readWithIntegrity(issuers: Self.issuers).value.files
    }

    @Test("a visual record re-wrapped as FF30 with made-up digests after DF33 is malformed, not verified")
    func visualRecordsRewrapped() async throws {
        let genuine = try await genuineFiles()
        // A made-up number file: another number, same physical shape.
        let madeUp: [UInt8] = [0xFF, 0x10, 0x0C] + Array("123456789018".utf8) + [0xFF, 0xFF]
        for visual in try Self.visualRecords(Fixtures.state) {
            var files = genuine
            files.numberFile = madeUp
            files.integrityRecord = try Self.forgedRecord(from: visual, numberFile: madeUp, fourItemsFile: genuine.fourItemsFile)
            #expect(TextIntegrity.check(files, issuers: Self.issuers) == .mismatch(.malformed))
        }
    }

    @Test("the strict layout: another order, an extra object, trailing data or a short signature is malformed; filler is not")
    func strictLayout() async throws {
        let files = try await genuineFiles()
        func check(_ record: [UInt8]) -> TextIntegrity {
            var f = files
            f.integrityRecord = record
            return TextIntegrity.check(f, issuers: Self.issuers)
        }
        let r = files.integrityRecord
        #expect(check(r) == .verified)
        #expect(check(r + [0xFF, 0xFF, 0x00]) == .verified)
        #expect(check(r + [0x01]) == .mismatch(.malformed))
        let value = Array(r[try BERTLV.parseHeader(r).headerLength...])
        let d1 = Array(value[0..<35]), d2 = Array(value[35..<70]), sig = Array(value[70...])
        #expect(check(TLV.encode(0xFF30, d2 + d1 + sig)) == .mismatch(.malformed))
        #expect(check(TLV.encode(0xFF30, d1 + d2 + TLV.encode(0xDF34, [0]) + sig)) == .mismatch(.malformed))
        #expect(check(TLV.encode(0xFF30, d1 + d2 + TLV.encode(0xDF33, Array(sig[5..<200])))) == .mismatch(.malformed))
    }

    @Test("a DF21 offset table whose length runs past the 4-items object is malformed, not a trap")
    func overrunningOffsetTable() async throws {
        var files = try await genuineFiles()
        // FF20 81 07 { DF21 20 <only 4 bytes> }
        files.fourItemsFile = [0xFF, 0x20, 0x07, 0xDF, 0x21, 0x20, 0x00, 0x01, 0x02, 0x03]
        #expect(TextIntegrity.check(files, issuers: Self.issuers) == .mismatch(.malformed))
        #expect(throws: MynaCardError.self) { try TextIntegrity.fourItemsDigestSource(files.fourItemsFile) }
    }
}
