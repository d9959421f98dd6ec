import Foundation
import MynaCardSim
import SmartCard

/// One hierarchy and one issued card shared by every test: RSA key generation is the slow part, and a
/// card made from the shared state is cheap, so each test gets a fresh card with full PIN counters.
enum Fixture {
    static let authPIN = "1234"
    static let signingPassword = "ABC123"
    /// 2024-04-01 00:00 JST.
    static let issuedAt = Date(timeIntervalSince1970: 1_711_897_200)

    static let hierarchy: TestJPKIHierarchy = {
        do { return try TestJPKIHierarchy.generate() } catch { fatalError("hierarchy: \(error)") }
    }()

    static let holder: CardHolder = {
        var g = SeededGenerator(seed: 7)
        var h = CardHolder.random(using: &g)
        // As a real card writes them: U+3000 in the name, full-width digits and U+FF0D in the address.
        h.name = "番号\u{3000}花子"
        h.address = "東京都千代田区霞が関１－２－３"
        h.birthDate = "19900615"
        h.sex = .female
        return h
    }()

    static let state: VirtualCardState = {
        do {
            return try hierarchy.issueCard(holder: holder, authPIN: authPIN, signingPassword: signingPassword,
                                           visualPINB: nil, issuedAt: issuedAt)
        } catch { fatalError("issue: \(error)") }
    }()

    static func card() -> VirtualMynaCard { VirtualMynaCard(state: state) }

    static let jpkiAID: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
    static let textAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]
    static let visualAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]
    static let sha256Prefix: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
}

/// SplitMix64: a reproducible generator so that failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Raw-APDU helpers: every test talks bytes, as a reader would.
extension VirtualMynaCard {
    func sw(_ command: [UInt8]) -> UInt16 {
        let r = process(command)
        return UInt16(r[r.count - 2]) << 8 | UInt16(r[r.count - 1])
    }

    func selectAP(_ aid: [UInt8]) -> UInt16 { sw([0x00, 0xA4, 0x04, 0x0C, UInt8(aid.count)] + aid) }

    func selectEF(_ fid: UInt16) -> UInt16 { sw([0x00, 0xA4, 0x02, 0x0C, 0x02, UInt8(fid >> 8), UInt8(fid & 0xFF)]) }

    func verify(_ pin: String) -> UInt16 {
        let b = Array(pin.utf8)
        return sw([0x00, 0x20, 0x00, 0x80, UInt8(b.count)] + b)
    }

    func triesQuery() -> UInt16 { sw([0x00, 0x20, 0x00, 0x80]) }

    /// READ BINARY with short Le (`le` 1…256).
    func read(offset: Int, le: Int) -> (data: [UInt8], sw: UInt16) {
        split(process([0x00, 0xB0, UInt8(offset >> 8), UInt8(offset & 0xFF), UInt8(le & 0xFF)]))
    }

    /// READ BINARY with extended Le.
    func readExtended(offset: Int, le: Int) -> (data: [UInt8], sw: UInt16) {
        split(process([0x00, 0xB0, UInt8(offset >> 8), UInt8(offset & 0xFF), 0x00, UInt8((le >> 8) & 0xFF), UInt8(le & 0xFF)]))
    }

    /// Reads an EF as OpenSC does: 4 bytes for the length, then 256-byte chunks.
    func readCertificate() -> [UInt8] {
        let head = read(offset: 0, le: 4).data
        guard head.count == 4 else { return head }
        let total = (Int(head[2]) << 8 | Int(head[3])) + 4
        var out = head
        while out.count < total {
            let r = read(offset: out.count, le: min(256, total - out.count))
            guard r.sw == 0x9000, !r.data.isEmpty else { break }
            out += r.data
        }
        return out
    }

    func sign(_ digestInfo: [UInt8]) -> (data: [UInt8], sw: UInt16) {
        split(process([0x80, 0x2A, 0x00, 0x80, UInt8(digestInfo.count)] + digestInfo + [0x00]))
    }

    private func split(_ r: [UInt8]) -> (data: [UInt8], sw: UInt16) {
        (Array(r.dropLast(2)), UInt16(r[r.count - 2]) << 8 | UInt16(r[r.count - 1]))
    }
}
