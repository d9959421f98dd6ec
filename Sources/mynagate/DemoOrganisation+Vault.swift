import Foundation
import Server
import Vapor

extension DemoOrganisation {
    /// The demo's vault data; returns any extra logins it creates.
    func seedVault(_ app: Application, employees: [UUID]) async throws -> [Login] {
        []
    }
}
