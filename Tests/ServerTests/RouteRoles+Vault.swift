import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store

/// Which roles each Vault route admits (merged into `routeRoles` in SecurityTests.swift).
///
/// Handler routes need the hr role *and* a designation (事務取扱担当者): the matrix designates its hr
/// account (``designateMatrixHandlers(_:)``), so "hr" here means a designated hr account; an hr account
/// that is not designated is refused with 403 (tested in VaultUseTests). Administrators designate
/// handlers and read the register but never see a number; every signed-in person reaches their own
/// requests and access history.
let vaultRouteRoles: [String: Set<String>] = {
    let everyone: Set<String> = ["admin", "security", "hr", "employee"]
    let handler: Set<String> = ["hr"]
    let admin: Set<String> = ["admin"]
    return [
        // API: handlers.
        "GET /api/v1/vault/requests": handler, "POST /api/v1/vault/requests": handler,
        "GET /api/v1/vault/requests/:id": handler, "POST /api/v1/vault/requests/:id/cancel": handler,
        "POST /api/v1/vault/requests/:id/verifications": handler,
        "GET /api/v1/vault/employees/:id": handler, "PUT /api/v1/vault/employees/:id/profile": handler, "PATCH /api/v1/vault/employees/:id/profile": handler,
        "POST /api/v1/vault/employees/:id/holds": handler, "POST /api/v1/vault/holds/:id/release": handler,
        "POST /api/v1/vault/numbers/:id/reveal": handler, "POST /api/v1/vault/exports": handler,
        "GET /api/v1/vault/disposals": handler, "POST /api/v1/vault/disposals/run": handler,
        // API: the register (no numbers) and designations.
        "GET /api/v1/vault/register": ["admin", "hr"],
        "GET /api/v1/vault/handlers": admin, "POST /api/v1/vault/handlers": admin, "DELETE /api/v1/vault/handlers/:id": admin,
        // API: everyone's own.
        "GET /api/v1/vault/my/requests": everyone, "POST /api/v1/vault/my/requests/:id/acknowledge": everyone,
        "POST /api/v1/vault/my/requests/:id/numbers": everyone, "POST /api/v1/vault/my/requests/:id/card": everyone, "POST /api/v1/vault/my/requests/:id/card/challenge": everyone,
        "GET /api/v1/vault/my/access": everyone,
        // Pages.
        "GET /vault/requests": handler, "POST /vault/requests": handler, "GET /vault/requests/:id": handler,
        "POST /vault/requests/:id/documents": handler, "POST /vault/numbers/:id/reveal": handler,
        "GET /vault/employees": handler, "POST /vault/employees/:id/profile": handler, "POST /vault/employees/:id/holds": handler,
        "POST /vault/holds/:id/release": handler, "GET /vault/export": handler, "POST /vault/export": handler,
        "GET /vault/disposals": handler, "POST /vault/disposals/run": handler,
        "GET /vault/register": ["admin", "hr"],
        "GET /vault/handlers": admin, "POST /vault/handlers": admin, "POST /vault/handlers/:id/remove": admin,
        "GET /vault/my": everyone, "POST /vault/my/requests/:id/acknowledge": everyone, "POST /vault/my/requests/:id/give": everyone,
        "POST /vault/my/requests/:id/card": everyone, "GET /vault/my-access": everyone,
        // The card shown as photo ID: desks (reception, HR, security), not only handlers — no number involved.
        "GET /api/v1/photo-id-checks": ["admin", "hr", "security"], "POST /api/v1/photo-id-checks": ["admin", "hr", "security"],
        "GET /photo-id": ["admin", "hr", "security"], "POST /photo-id": ["admin", "hr", "security"],
    ]
}()

/// Designates every hr account as a vault handler (事務取扱担当者), as an administrator would, so the
/// role matrix checks what a designated handler may reach.
func designateMatrixHandlers(_ s: TestServer) async throws {
    for u in try await UserModel.query(on: s.app.db).filter(\.$role == Role.hr.rawValue).all() {
        let h = VaultHandlerModel()
        h.id = try u.requireID()
        h.responsible = false
        h.designatedBy = "test"
        h.designatedAt = Date()
        try await h.create(on: s.app.db)
    }
}
