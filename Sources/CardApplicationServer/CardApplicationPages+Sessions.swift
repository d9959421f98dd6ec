import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// On-site sessions with city staff (case 2): planning, agreement, attendance, roster.
extension CardApplicationPages {
    struct GroupRow: Encodable, Sendable {
        var prefecture: String
        var city: String
        var name: String
        var count: Int
        var enough: Bool
    }
    struct SessionRow: Encodable, Sendable {
        var id: String
        var city: String
        var status: String
        var date: String
        var place: String
        var count: Int
    }
    struct SessionsData: Encodable, Sendable {
        var groups: [GroupRow]
        var sessions: [SessionRow]
        var minimum: Int
    }

    func renderSessions(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let plan = try await CardOps.plan(minimum: 5, maximum: nil, on: req.db)
        let proposed = Set(plan.proposals.map(\.municipality))
        let groups = plan.groups.map {
            GroupRow(prefecture: $0.municipality.prefecture ?? "", city: $0.municipality.city, name: $0.municipality.key, count: $0.applications.count,
                     enough: proposed.contains($0.municipality))
        }
        let sessions = try await CardSessionModel.query(on: req.db).sort(\.$createdAt, .descending).all().map { m -> SessionRow in
            let s = try CardApplications.decode(OnSiteSession.self, m.record, id: m.id ?? "")
            return SessionRow(id: s.id.rawValue, city: s.municipality.key, status: req.text("ca_sessionStatus_\(s.status.rawValue)"),
                              date: s.date.map(CardDTO.iso) ?? "—", place: s.place ?? "—", count: s.roster.count)
        }
        return try await req.renderPage("apply-sessions", titleKey: "ca_sessionsTitle", SessionsData(groups: groups, sessions: sessions, minimum: 5),
                                        status: status, error: error, switchPath: "/card-sessions")
    }

    @Sendable func sessions(_ req: Request) async throws -> Response { try await renderSessions(req) }

    struct NewSessionForm: Content {
        var prefecture: String?
        var city: String?
    }

    @Sendable func createSession(_ req: Request) async throws -> Response {
        try await req.submitForm(NewSessionForm.self, flash: "ca_sessionCreated", redirect: "/card-sessions") { form in
            let session = try await req.cardOps.createSession(prefecture: form.prefecture, city: form.city ?? "", applications: nil)
            return "/card-sessions/\(session.id.rawValue)"
        } page: { _, problem in
            try await renderSessions(req, status: problem.status, error: problem.text)
        }
    }

    struct DocOption: Encodable, Sendable {
        var id: String
        var label: String
        var hasPhoto: Bool
    }
    struct SessionPageRow: Encodable, Sendable {
        var number: Int
        var application: String
        var employeeNumber: String
        var department: String
        var name: String
        var nameKana: String
        var birthDate: String
        var address: String
        var identityChecked: Bool
        var applied: Bool
        var checklist: [String]
    }
    struct SessionData: Encodable, Sendable {
        var id: String
        var city: String
        var status: String
        var date: String
        var startTime: String
        var place: String
        var contactName: String
        var contactSection: String
        var contactPhone: String
        var contactEmail: String
        var delivery: String
        var rows: [SessionPageRow]
        var documents: [DocOption]
        var canRecord: Bool
        var rosterNote: String
    }

    func sessionData(_ id: String, _ req: Request) async throws -> SessionData {
        let (_, s) = try await CardOps.session(id, on: req.db)
        let roster = try await CardOps.roster(s, on: req.db)
        let lang = Self.lang(req)
        return SessionData(
            id: s.id.rawValue, city: s.municipality.key, status: req.text("ca_sessionStatus_\(s.status.rawValue)"), date: s.date.map(CardDTO.iso) ?? "",
            startTime: CardDTO.time(s.startMinute) ?? "", place: s.place ?? "", contactName: s.cityContact?.name ?? "",
            contactSection: s.cityContact?.section ?? "", contactPhone: s.cityContact?.phone ?? "", contactEmail: s.cityContact?.email ?? "",
            delivery: lang == .japanese ? s.cardDelivery.japaneseLabel : s.cardDelivery.englishLabel,
            rows: roster.rows.map { r in
                SessionPageRow(number: r.number, application: r.application.rawValue, employeeNumber: r.employeeNumber, department: r.department, name: r.name,
                               nameKana: r.nameKana, birthDate: r.birthDate.map(CardDTO.iso) ?? "", address: r.address, identityChecked: r.identityChecked,
                               applied: r.applied, checklist: roster.checklists[r.application]?.lines(in: lang) ?? [])
            },
            documents: IdentityDocumentKind.standardCatalogue.map { DocOption(id: $0.id, label: lang == .japanese ? $0.japaneseName : $0.englishName, hasPhoto: $0.hasPhoto) },
            canRecord: s.status == .agreed || s.status == .held, rosterNote: req.text("ca_rosterNote"))
    }

    func renderSession(_ req: Request, id: String, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        try await req.renderPage("apply-session", titleKey: "ca_sessionTitle", try await sessionData(id, req), status: status, error: error,
                                 switchPath: "/card-sessions/\(id)")
    }

    @Sendable func session(_ req: Request) async throws -> Response { try await renderSession(req, id: req.parameters.get("id") ?? "") }

    struct AgreementForm: Content {
        var date: String?
        var startTime: String?
        var place: String?
        var contactName: String?
        var contactSection: String?
        var contactPhone: String?
        var contactEmail: String?
    }

    @Sendable func agree(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        return try await req.submitForm(AgreementForm.self, flash: "ca_agreed", redirect: "/card-sessions/\(id)") { form in
            let agreement = CardOps.Agreement(date: form.date ?? "", startTime: form.startTime, place: form.place ?? "",
                                              contact: CardDTO.Contact(name: form.contactName ?? "", section: form.contactSection,
                                                                       phone: form.contactPhone, email: form.contactEmail))
            _ = try await req.cardOps.agree(id, agreement)
            return nil
        } page: { _, problem in
            if problem.status == .notFound { throw problem.error }
            return try await renderSession(req, id: id, status: problem.status, error: problem.text)
        }
    }

    struct AttendanceForm: Content {
        var application: UUID?
        var documents: [String]?
        var applied: String?
    }

    @Sendable func attendance(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        return try await req.submitForm(AttendanceForm.self, flash: "ca_recorded", redirect: "/card-sessions/\(id)") { form in
            guard let app = form.application else { throw APIError.notFound("no such application", ja: "その申請はありません。") }
            _ = try await req.cardOps.attendance(id, CardOps.Attendance(application: app, documents: form.documents, applied: form.applied == "yes"))
            return nil
        } page: { _, problem in
            // An unknown session is the page's 404; an unknown application within it is shown on the session's page.
            if problem.status == .notFound, try await CardSessionModel.find(id, on: req.db) == nil { throw problem.error }
            return try await renderSession(req, id: id, status: problem.status, error: problem.text)
        }
    }

    @Sendable func roster(_ req: Request) async throws -> Response {
        try await req.renderPage("apply-roster", titleKey: "ca_rosterTitle", try await sessionData(req.parameters.get("id") ?? "", req))
    }
}
