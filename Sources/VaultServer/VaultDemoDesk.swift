import Access
import Fluent
import Foundation
import MynaCard
import MyNumber
import SmartCard
import Store
import Vapor
import Vault
import ServerCore

/// The demo's desk reader for giving a number with the card: the server reads the employee's own
/// virtual card (`<employee number>.vcard` among the application's ``DeskCards``) over APDUs with the
/// text PIN typed in the page. The PIN rules hold: tries left are read first, the format is checked
/// before anything is sent, and with one try left the PIN is sent only when the person confirmed.
enum VaultDemoDesk {
    struct Read: Sendable {
        var number: IndividualNumber
        var items: BasicFourItems
        /// What the card's integrity record says about them (``CardIntegrity``).
        var integrity: TextIntegrity
    }

    static func card(for employee: UUID, req: Request) async throws -> MynaCard? {
        guard let cards = req.application.deskCards, let e = try await EmployeeModel.find(employee, on: req.db) else { return nil }
        let name = "\(e.employeeNumber).vcard"
        guard !name.contains("/"), !name.hasPrefix(".") else { return nil }
        return try cards.card(named: name)
    }

    static func read(employee: UUID, pin text: String, confirmLastTry: Bool, req: Request) async throws -> Read {
        guard let card = try await card(for: employee, req: req) else {
            throw APIError(.notFound, code: "no_demo_card", ja: "あなたの仮想カードが見つかりません", en: "no virtual card for you in the demo")
        }
        let pin = try PIN(text, kind: .text)
        let tries = try await card.text.triesLeft().value
        if tries == 0 { throw MynaCardError.pinBlocked(.text) }
        if tries == 1 && !confirmLastTry { throw MynaCardError.lastTryNeedsConfirmation(.text) }
        _ = try await card.text.verify(pin, attempt: confirmLastTry ? .confirmedLastTry : .normal)
        // The server reads the chip itself here, so it checks the integrity record itself.
        let reading = try await card.text.readWithIntegrity(issuers: req.application.cvcIssuers).value
        return Read(number: reading.number, items: reading.items,
                    integrity: reading.integrity)
    }
}
