import DoorProtocol
import Foundation
import Testing
import Vapor

/// Serials a door or a browser sends are ASCII hex only: full-width digits (`０`–`９`, `Ａ`–`Ｆ`) pass
/// `Character.isHexDigit` and used to get past the server's checks.
@Suite("Serial input: ASCII hex only", .serialized)
struct SerialInputTests {
    static func fullWidth(_ ascii: String) -> String {
        String(String.UnicodeScalarView(ascii.unicodeScalars.map { Unicode.Scalar($0.value + 0xFEE0) ?? $0 }))
    }

    @Test("a door asking with a full-width serial, or uploading an event with one, is refused as not hex")
    func fullWidthSerialRefused() async throws {
        let site = try await DoorSite.make()
        defer { Task { await site.server.stop() } }
        let wide = Self.fullWidth(site.serial.uppercased())
        #expect(wide != site.serial && wide.allSatisfy(\.isHexDigit), "the attack input passes Character.isHexDigit")
        let decision = try await site.server.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door, json: ["serial": wide])
        #expect(decision.status == .badRequest, "\(decision.text)")
        #expect(decision.text.contains("serial must be hex"))
        let upload = try await site.upload([DoorEvent(time: Date(), door: "entrance", serial: wide, outcome: .grant, reason: "granted",
                                                      offline: true, snapshotVersion: 3, warnings: [])])
        #expect(upload.status == .badRequest, "\(upload.text)")
        #expect(upload.text.contains("serial must be hex"))
        await site.server.stop()
    }
}
