import Audit
import Foundation
import ServerCore
import Vapor

/// Bulk card applications' HTTP side as the server is assembled from it (``ServerFeature``): the API,
/// the clerks' and the person's own pages, the photo upload (a file route: ``FileRoutes``), and closing
/// a person's open application when their card is enrolled (``EnrollmentHooks``).
package enum CardApplicationFeature: ServerFeature {
    package static var messages: [String: (ja: String, en: String)] { CardApplicationMessages.catalogue }

    package static var menu: [PageMenu.Entry] {
        [PageMenu.Entry("/card-applications", "nav_cardApplications", CardApplicationController.clerks, group: .cardApplications, order: 700),
         PageMenu.Entry("/my/card", "nav_myCardApplication", Set(Role.allCases), group: .mine, order: 1300)]
    }

    package static var resources: Bundle { .module }

    package static func register(_ app: Application) throws {
        CardApplicationController().register(app)
        CardApplicationPages().register(app)
        for route in ["POST /my/card/photo", "PUT /api/v1/me/card-application/photo"] {
            app.fileRoutes.limits[route] = CardApplicationController.photoBodyLimit
        }
        // The card is in MynaGate now: an application still open for the person closes itself (issue 9).
        app.mynagate.enrollmentHooks.add { employee, actor, db in
            try await CardApplications.closeOnEnrollment(employee: employee, actor: actor, on: db).map { closed in
                AuditDraft(kind: "card_application.card_enrolled", actor: actor, subject: "employee:\(employee.uuidString)",
                           details: ["application": closed.rawValue, "stage": "enrolled"])
            }
        }
    }
}
