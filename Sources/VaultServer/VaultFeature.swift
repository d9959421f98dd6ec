import Foundation
import ServerCore
import Vapor

/// The My Number vault's HTTP side as the server is assembled from it (``ServerFeature``): the API,
/// the handlers' and the person's own pages, the photo-ID checks, and the birth date the employees page
/// may be given (kept in the vault's profile).
package enum VaultFeature: ServerFeature {
    package static var messages: [String: (ja: String, en: String)] {
        VaultMessages.catalogue.merging(PhotoIDMessages.catalogue) { first, _ in first }
    }

    package static var menu: [PageMenu.Entry] {
        [PageMenu.Entry("/vault/requests", "nav_vault", VaultController.handlerRoles, group: .myNumber, order: 710),
         PageMenu.Entry("/vault/handlers", "nav_vaultHandlers", [.admin], group: .myNumber, order: 720),
         PageMenu.Entry("/photo-id", "nav_photoID", PhotoIDChecks.roles, group: .myNumber, order: 730),
         PageMenu.Entry("/vault/my", "nav_myNumber", Set(Role.allCases), group: .mine, order: 1200)]
    }

    package static var resources: Bundle { .module }

    package static func register(_ app: Application) throws {
        app.vaultKeys = VaultKeys(config: app.mynagate.config)
        VaultController().register(app)
        PhotoIDChecks().register(app)
        VaultPages().register(app)
        app.birthDateStore = BirthDateStore { birthDate, employee, req in
            var profile = VaultService.ProfileInput()
            profile.birthDate = birthDate
            let user = try req.user
            try await req.vault.setProfile(employeeID: employee, profile,
                                           actor: VaultActor(userID: user.id, username: user.username, employeeID: user.employeeID, isHandler: false))
        }
    }
}
