@testable import MynaCard
import SmartCard
import X509
import Testing

/// What a trace hides is decided by the file read, not by each caller's `secret:` flag
/// (Sources/MynaCard/TraceSecrecy.swift; docs/CARD.md "What is redacted, and where").
@Suite("APDU traces: secrecy by file")
struct TraceSecrecyTests {
    /// The response lines `body` added to `trace` that show data (a status word alone is 1 token).
    static func visibleResponses(_ trace: Trace, during body: () async throws -> Void) async throws -> [String] {
        let before = trace.all.count
        try await body()
        return trace.all.dropFirst(before).filter { $0.hasPrefix("<< ") && !$0.hasPrefix("<< [") && $0.split(separator: " ").count > 2 }
    }

    @Test("a secret file read by a caller that passes secret: false is still hidden from the trace")
    func fileDecides() async throws {
        let (card, _, trace) = Fixtures.insert()
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        for fid in [EF.myNumber, EF.basicFourItems, EF.textSignature] {
            let shown = try await Self.visibleResponses(trace) {
                _ = try await card.exclusive { c in try await c.readTLVFile(fid, in: .text, secret: false, protectedBy: .text) }
            }
            #expect(shown.isEmpty, "text \(hex([UInt8(fid >> 8), UInt8(fid & 0xFF)])): \(shown)")
        }
        _ = try await card.visual.open(with: try PIN(Fixtures.pinB, kind: .visualB))
        let front = try await Self.visibleResponses(trace) {
            _ = try await card.exclusive { c in try await c.readTLVFile(EF.frontSide, in: .visual, secret: false, protectedBy: .visualB) }
        }
        #expect(front.isEmpty, "front side: \(front.count) lines shown")
        _ = try await card.jpki.verify(try PIN(Fixtures.signingPassword, kind: .jpkiSigning))
        let signing = try await Self.visibleResponses(trace) {
            _ = try await card.exclusive { c in try await c.readTLVFile(EF.signingCertificate, in: .jpki, secret: false, protectedBy: .jpkiSigning) }
        }
        #expect(signing.isEmpty, "signing certificate: \(signing.count) lines shown")
        #expect(!trace.text.contains(hex(Array(Fixtures.holder.myNumberDigits.utf8))))
    }

    @Test("the auth certificate is hidden past its 8-byte size header: its serial identifies the holder")
    func authCertificate() async throws {
        let (card, _, trace) = Fixtures.insert()
        // The size header `card trace` records stays visible.
        let header = try await Self.visibleResponses(trace) { _ = try await card.jpki.certificateLength(.auth) }
        #expect(header.count == 1 && header.first?.hasPrefix("<< 30 82 ") == true, "\(header)")
        let serial = try await card.jpki.readAuthCertificateSerial().value
        let full = try await Self.visibleResponses(trace) { _ = try await card.jpki.certificateDER(.auth) }
        // Only the first read, the 8-byte header, shows (<<, 8 bytes, the status word).
        #expect(full.count == 1 && full.allSatisfy { $0.split(separator: " ").count == 10 }, "auth certificate: \(full)")
        #expect(!trace.text.contains(hex(serial.bytes)), "the auth certificate's serial is in the trace")
    }

    @Test("the table: secret files, public files, and an unknown current file")
    func table() {
        for (app, fid) in [(MynaApplication.text, UInt16(1)), (.text, 2), (.text, 3), (.visual, 2), (.visual, 5), (.jpki, 1)] {
            #expect(TraceSecrecy.hidesRead(app: app, fid: fid, offset: 0, length: 8), "\(app) \(fid)")
        }
        #expect(!TraceSecrecy.hidesRead(app: .jpki, fid: 0x000A, offset: 0, length: 8))
        #expect(TraceSecrecy.hidesRead(app: .jpki, fid: 0x000A, offset: 0, length: 40))
        #expect(TraceSecrecy.hidesRead(app: .jpki, fid: 0x000A, offset: 8, length: 8))
        for fid: UInt16 in [0x0002, 0x0006, 0x000B] {
            #expect(!TraceSecrecy.hidesRead(app: .jpki, fid: fid, offset: 0, length: 8))
        }
        #expect(!TraceSecrecy.hidesRead(app: .text, fid: 0x0004, offset: 0, length: 8))
        #expect(TraceSecrecy.hidesRead(app: nil, fid: 0x0006, offset: 0, length: 8))
        #expect(TraceSecrecy.hidesRead(app: .jpki, fid: nil, offset: 0, length: 8))
    }
}
