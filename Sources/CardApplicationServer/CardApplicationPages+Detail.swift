import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// One application for the clerk: review, events, the photo.
extension CardApplicationPages {
    struct DetailData: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var name: String
        var department: String
        var site: String
        var route: String
        var stage: String
        var canReview: Bool
        var clerkNote: String?
        var data: [Pair]
        var hasPhoto: Bool
        var photoBytes: String
        var events: [EventButton]
        var history: [HistoryRow]
    }
    struct Pair: Encodable, Sendable {
        var label: String
        var value: String
    }

    func renderDetail(_ req: Request, id: UUID, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let l = try await CardApplications.load(id, on: req.db)
        let r = l.record
        let e = try await EmployeeModel.find(l.model.employeeID, on: req.db)
        var pairs: [Pair] = []
        if let d = r.data {
            pairs = [
                Pair(label: req.text("ca_formID"), value: d.applicationFormID?.digits ?? "—"),
                Pair(label: req.text("name"), value: d.fullName), Pair(label: req.text("ca_kana"), value: d.fullNameKana),
                Pair(label: req.text("ca_birthDate"), value: CardDTO.iso(d.birthDate)), Pair(label: req.text("ca_postalCode"), value: d.postalCode ?? "—"),
                Pair(label: req.text("ca_address"), value: d.address), Pair(label: req.text("ca_municipality"), value: d.municipality.key),
                Pair(label: req.text("ca_phone"), value: d.phone ?? "—"), Pair(label: req.text("ca_email"), value: d.email ?? "—"),
            ]
        }
        let data = DetailData(
            id: id.uuidString, employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "", site: e?.site ?? "",
            route: Self.routeLabel(r.route, req), stage: Self.stageLabel(r.stage, req), canReview: r.stage == .dataEntered || r.stage == .reviewed,
            clerkNote: r.clerkNote, data: pairs, hasPhoto: r.photo != nil, photoBytes: r.photo.map { "\($0.byteCount / 1024) KB" } ?? "",
            events: Self.events(for: r, clerk: true, req), history: Self.history(r, req))
        return try await req.renderPage("apply-detail", titleKey: "ca_detailTitle", data, status: status, error: error, switchPath: "/card-applications/\(id.uuidString)")
    }

    func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        return id
    }

    @Sendable func detail(_ req: Request) async throws -> Response { try await renderDetail(req, id: try id(req)) }

    @Sendable func applicationPhoto(_ req: Request) async throws -> Response { try await CardApplicationController.photoResponse(try id(req), on: req) }

    struct ReviewForm: Content {
        var decision: String?
        var note: String?
    }

    @Sendable func review(_ req: Request) async throws -> Response {
        let id = try id(req)
        let form: ReviewForm
        do {
            form = try req.pageForm(ReviewForm.self)
            // Only the two buttons' values: a missing or unknown decision is refused, never read as "return".
            guard let decision = form.decision, ["accept", "return"].contains(decision) else {
                throw Abort(.unprocessableEntity, reason: "decision must be accept or return")  // as the API answers
            }
            _ = try await req.cardOps.review(id, accept: decision == "accept", note: form.note ?? "")
        } catch {
            let problem = req.pageProblem(error)
            if problem.status == .notFound { throw error }
            return try await renderDetail(req, id: id, status: problem.status, error: problem.text)
        }
        req.flash(form.decision == "accept" ? "ca_reviewed" : "ca_returned")
        return req.seeOther("/card-applications/\(id.uuidString)")
    }

    @Sendable func clerkEvent(_ req: Request) async throws -> Response {
        let id = try id(req)
        return try await req.submitForm(EventForm.self, flash: "ca_eventDone", redirect: "/card-applications/\(id.uuidString)") { form in
            _ = try await req.cardOps.clerkEvent(id, name: form.event ?? "", route: form.route)
            // "Mark reminded" is pressed on the overview's reminder list: go back there.
            return form.event == "reminderSent" && req.query[String.self, at: "back"] == "overview" ? "/card-applications" : nil
        } page: { _, problem in
            if problem.status == .notFound { throw problem.error }
            return try await renderDetail(req, id: id, status: problem.status, error: problem.text)
        }
    }
}
