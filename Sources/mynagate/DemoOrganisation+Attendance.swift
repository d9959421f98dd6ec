import Foundation
import Server
import Vapor

extension DemoOrganisation {
    /// The demo's attendance data; returns any extra logins it creates.
    func seedAttendance(_ app: Application, employees: [UUID]) async throws -> [Login] {
        []
    }
}
