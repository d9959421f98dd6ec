import Foundation
import ServerCore
import Vapor

/// Working time's HTTP side as the server is assembled from it (``ServerFeature``): the API and the
/// pages (the person's own month for everyone, the rest for the staff who may read it).
package enum AttendanceFeature: ServerFeature {
    package static var messages: [String: (ja: String, en: String)] { AttendanceMessages.catalogue.merging(AnnualLeaveMessages.catalogue) { a, _ in a }.merging(PCLogMessages.catalogue) { a, _ in a } }

    package static var menu: [PageMenu.Entry] {
        [PageMenu.Entry("/attendance", "nav_attendance", AttendancePages.staff, group: .attendance, order: 740),
         PageMenu.Entry("/my/attendance", "nav_myAttendance", Set(Role.allCases), group: .mine, order: 1100)]
    }

    package static var resources: Bundle { .module }

    package static func register(_ app: Application) throws {
        AttendanceController().register(app)
        AnnualLeaveController().register(app)
        DoorHistoryController().register(app)
        PCLogController().register(app)
        AttendancePages().register(everyone: app.grouped(PageRoleMiddleware(Set(Role.allCases))),
                                   staff: app.grouped(PageRoleMiddleware(AttendancePages.staff)))
        AnnualLeavePages().register(staff: app.grouped(PageRoleMiddleware(AttendancePages.staff)))
        PCLogPages().register(staff: app.grouped(PageRoleMiddleware(AttendancePages.staff)))
    }
}
