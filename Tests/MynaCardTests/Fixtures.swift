import Foundation
import MynaCard
import MynaCardSim
import MyNumber
import SmartCard
import Synchronization

/// One test hierarchy and a few issued cards for the whole suite: RSA key generation is the slow part,
/// and every test starts a fresh `VirtualMynaCard` from the saved state, so counters never leak
/// between tests.
enum Fixtures {
    static let authPIN = "1234"
    static let signingPassword = "ABC123"
    /// The text application's PIN differs from the auth PIN, as a holder may choose: every text read
    /// here proves the client asks for and sends the text PIN, not the auth PIN.
    static let textPIN = "5678"
    /// 照合番号B in the card's form: born 1990-01-01 = 平成2 → `020101`, expiry year 2035, code 0042.
    static let pinB = "02010120350042"

    static let hierarchy: TestJPKIHierarchy = try! TestJPKIHierarchy.generate()

    /// Written as a real card writes it: U+3000 in the name, full-width digits and `－` in the address,
    /// and an address long enough (a building and room) that EF `0002` needs a BER long-form length
    /// (`FF 20 81 xx`), as real cards' do.
    static let holder = CardHolder(
        name: "番号\u{3000}花子", address: "東京都千代田区永田町一丁目１－１\u{3000}永田町グランドハイツ１２３４号室",
        birthDate: "19900101", sex: .female, myNumberDigits: "123456789018")

    static let state: VirtualCardState = try! hierarchy.issueCard(
        holder: holder, authPIN: authPIN, signingPassword: signingPassword, textPIN: textPIN, visualPINB: pinB)

    /// A card whose auth serial needs a leading zero byte (high bit set in the first byte).
    static let leadingZeroSerialState: VirtualCardState = try! hierarchy.issueCard(
        holder: holder, authPIN: authPIN, signingPassword: signingPassword, visualPINB: pinB,
        serial: [0x00, 0x80, 0x01, 0x02])

    /// A card with the longest serial RFC 5280 allows (20 bytes).
    static let longSerialState: VirtualCardState = try! hierarchy.issueCard(
        holder: holder, authPIN: authPIN, signingPassword: signingPassword, visualPINB: pinB,
        serial: [0x7F] + [UInt8](repeating: 0xA5, count: 19))

    /// A fresh card, in a reader, and a trace of everything that crossed the wire.
    static func insert(_ state: VirtualCardState = state, extended: Bool = true) -> (MynaCard, EmulatedCardTransport, Trace) {
        let card = VirtualMynaCard(state: state)
        let transport = EmulatedCardTransport(card: card, supportsExtendedLength: extended)
        let trace = Trace()
        return (MynaCard(transport: transport, tracer: { trace.add($0.description) }), transport, trace)
    }
}

/// Trace lines collected from any thread.
final class Trace: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }
}
