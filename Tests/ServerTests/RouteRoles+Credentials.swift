/// Which roles the card-binding routes admit (merged into `routeRoles` in SecurityTests.swift): an
/// administrator approves or refuses a pending card; every signed-in person accepts or refuses their own,
/// chooses card sign-in and issues their own emergency code.
let credentialRouteRoles: [String: Set<String>] = {
    let everyone: Set<String> = ["admin", "security", "hr", "employee"]
    return [
        "POST /api/v1/credentials/:id/approve": ["admin"], "POST /api/v1/credentials/:id/reject": ["admin"],
        "POST /api/v1/me/credentials/:id/confirm": everyone, "POST /api/v1/me/credentials/:id/reject": everyone,
        "PUT /api/v1/me/card-sign-in": everyone, "POST /api/v1/me/emergency-code": everyone,
        // Pages.
        "POST /cards/:id/approve": ["admin"],
        "POST /my/cards/:id/accept": everyone, "POST /my/cards/:id/refuse": everyone,
        "POST /my/emergency-code": everyone, "POST /my/card-sign-in": everyone,
    ]
}()
