import Access
import CardApplication
import Foundation
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Vapor

extension DemoOrganisation {
    /// The demo's card applications (issue 9): people without a card, applications at every stage, two
    /// batches, a held session with a city; returns the login of the "applicant" — an employee with no
    /// card and no application yet, to try opting in and uploading a photo.
    ///
    /// The login's role label is `applicant` (the account's role is employee): the logins file is read
    /// by role, and the demo's first employee login must stay the one with an enrolled card.
    func seedCardApplications(_ app: Application, employees: [UUID]) async throws -> [Login] {
        let photo = SamplePortrait.jpeg(takenAt: JapanTime(Date()).date.adding(days: -14))
        let seeded = try await CardApplicationDemo.seed(on: app.db, firstNumber: people + 1, photo: photo,
                                                        enrolled: Array(employees.dropFirst(min(20, employees.count - 1))))
        let login = Login(role: "applicant", username: "applicant", password: Accounts.randomPassword())
        try await Accounts.create(username: login.username, password: login.password, role: .employee, employeeID: seeded.applicant, on: app.db)
        return [login]
    }
}
