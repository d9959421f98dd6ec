import Fluent
import Foundation
import MynaCardSim
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Vapor

extension DemoOrganisation {
    /// The demo's vault data: the hr login (linked to employee 0) is the designated handler and the
    /// responsible person; the employee login has an open collection request for their own number and a
    /// spouse's, so the browser can walk it (give with the virtual card at `/vault/my`, then reveal at
    /// `/vault/requests`). Their HR record holds an older address, so the card reading shows a
    /// difference as a real move would. No number is seeded: numbers enter only by being given.
    func seedVault(_ app: Application, employees: [UUID]) async throws -> [Login] {
        let db = app.db
        let events = app.mynagate.events
        let append: VaultAppend = { build in _ = try await events.appendNow(building: build) }
        guard let hr = try await UserModel.query(on: db).filter(\.$username == "hr").first(), !employees.isEmpty else { return [] }
        _ = try await VaultService(db: db, append: append).designate(username: "hr", responsible: true, by: "user:demo-setup")
        let handler = VaultActor(userID: try hr.requireID(), username: hr.username, employeeID: hr.employeeID, isHandler: true)

        let index = min(10, people - 1)
        let employee = employees[index]
        // The HR record matches the card's birth date and sex; the address is the one before a move.
        var profile = VaultService.ProfileInput()
        if let card = try? VirtualMynaCard.load(contentsOf: cardFile(index)) {
            let h = card.state.holder
            profile.birthDate = "\(h.birthDate.prefix(4))-\(h.birthDate.dropFirst(4).prefix(2))-\(h.birthDate.suffix(2))"
            profile.sex = h.sex.rawValue
        }
        profile.address = "東京都千代田区旧町1丁目2番3号"
        try await VaultService(db: db, append: append).setProfile(employeeID: employee, profile, actor: handler)
        _ = try await VaultService(db: db, append: append).createRequest(
            employeeID: employee,
            subjects: [
                .init(kind: "employee", purposes: ["withholding_slip", "health_pension_insurance", "employment_insurance"]),
                .init(kind: "dependent", name: "\(name(index).split(separator: " ").first ?? "番号") 和子", relation: "spouse",
                      purposes: ["dependent_deduction_declaration", "national_pension_category3"]),
            ],
            expiresInDays: 30, actor: handler)
        return []
    }
}
