import Foundation
import Server
import Vapor

extension DemoOrganisation {
    /// The demo's cardapplications data; returns any extra logins it creates.
    func seedCardApplications(_ app: Application, employees: [UUID]) async throws -> [Login] {
        []
    }
}
