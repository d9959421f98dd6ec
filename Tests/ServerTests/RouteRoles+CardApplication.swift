/// Which roles each CardApplication route admits (merged into `routeRoles` in SecurityTests.swift).
/// Everyone signed in works on their own application (`/api/v1/me/…`, `/my/card…`) and reads the
/// campaign; HR handlers and administrators do the clerk's work. Security officers have no business
/// with applications: they get the employee's part only.
let cardApplicationRouteRoles: [String: Set<String>] = {
    let everyone: Set<String> = ["admin", "security", "hr", "employee"]
    let clerks: Set<String> = ["admin", "hr"]
    var t: [String: Set<String>] = [:]
    for r in [
        "GET /api/v1/me/card-status", "PUT /api/v1/me/card-status",
        "POST /api/v1/me/card-application", "GET /api/v1/me/card-application",
        "PUT /api/v1/me/card-application/data", "PUT /api/v1/me/card-application/photo", "GET /api/v1/me/card-application/photo",
        "POST /api/v1/me/card-application/events", "GET /api/v1/card-campaign",
        "GET /my/card", "POST /my/card/statement", "POST /my/card/apply", "POST /my/card/data", "POST /my/card/photo",
        "GET /my/card/photo", "POST /my/card/event", "GET /card-campaign",
    ] { t[r] = everyone }
    for r in [
        "GET /api/v1/card-status", "GET /api/v1/card-applications", "GET /api/v1/card-applications/:id",
        "GET /api/v1/card-applications/:id/photo", "POST /api/v1/card-applications/:id/review", "POST /api/v1/card-applications/:id/events",
        "GET /api/v1/card-batches", "POST /api/v1/card-batches", "GET /api/v1/card-batches/:id/package", "POST /api/v1/card-batches/:id/sent",
        "GET /api/v1/card-batch-layout", "PUT /api/v1/card-batch-layout",
        "GET /api/v1/card-sessions/plan", "GET /api/v1/card-sessions", "POST /api/v1/card-sessions", "GET /api/v1/card-sessions/:id",
        "PUT /api/v1/card-sessions/:id/agreement", "POST /api/v1/card-sessions/:id/attendance",
        "GET /api/v1/card-reminders", "GET /api/v1/card-templates", "PUT /api/v1/card-templates/:id", "DELETE /api/v1/card-templates/:id",
        "PUT /api/v1/card-campaign",
        "GET /card-applications", "GET /card-applications/:id", "GET /card-applications/:id/photo", "POST /card-applications/:id/review",
        "POST /card-applications/:id/event", "GET /card-batches", "POST /card-batches", "POST /card-batches/:id/sent", "GET /card-batches/:id/package",
        "GET /card-sessions", "POST /card-sessions", "GET /card-sessions/:id", "POST /card-sessions/:id/agreement",
        "POST /card-sessions/:id/attendance", "GET /card-sessions/:id/roster",
        "GET /card-templates", "POST /card-templates/:id", "POST /card-templates/:id/reset", "POST /card-campaign",
    ] { t[r] = clerks }
    return t
}()
