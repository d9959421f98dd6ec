import Vapor

/// The web pages (issue 5, item 8). They are not API: they are not in the OpenAPI document, and they
/// call the same domain code as the API handlers rather than the API over HTTP.
package struct Pages {
    package static let operations: Set<Role> = [.admin, .security]
    static let peopleReaders: Set<Role> = [.admin, .hr, .security]
    static let peopleWriters: Set<Role> = [.admin, .hr]
    static let cardReaders: Set<Role> = [.admin, .security, .hr]
    package static let desk: Set<Role> = [.admin, .hr, .security]

    package func register(_ routes: any RoutesBuilder) {
        Stylesheet.register(routes)
        SignInPage().register(routes)
        LostCardPage().register(routes)
        SetupPage().register(routes)
        let everyone = routes.grouped(PageRoleMiddleware(Set(Role.allCases)))
        MyCardsPage().register(everyone)
        DashboardPage().register(routes.grouped(PageRoleMiddleware(Self.operations)))
        EventsPage().register(routes.grouped(PageRoleMiddleware(Self.operations)))
        EmployeesPage().register(read: routes.grouped(PageRoleMiddleware(Self.peopleReaders)),
                                 write: routes.grouped(PageRoleMiddleware(Self.peopleWriters)),
                                 act: routes.grouped(PageRoleMiddleware(Self.operations)),
                                 admin: routes.grouped(PageRoleMiddleware([.admin])))
        PeopleImportPage().register(routes.grouped(PageRoleMiddleware(Self.peopleWriters)))
        CardsPage().register(read: routes.grouped(PageRoleMiddleware(Self.cardReaders)),
                             act: routes.grouped(PageRoleMiddleware(Self.operations)), admin: routes.grouped(PageRoleMiddleware([.admin])))
        EnrollPage().register(routes.grouped(PageRoleMiddleware(Self.desk)))
        
    }
}
