import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// Contractor batches (case 1): building, downloading, marking sent.
extension CardApplicationPages {
    struct BatchRow: Encodable, Sendable {
        var id: String
        var createdAt: String
        var count: Int
        var sentAt: String?
        var packageName: String
    }
    struct ColumnRow: Encodable, Sendable {
        var number: Int
        var field: String
        var header: String
    }
    struct BatchesData: Encodable, Sendable {
        var ready: [AppRow]
        var batches: [BatchRow]
        var layoutName: String
        var encoding: String
        var columns: [ColumnRow]
    }

    func renderBatches(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let ready = try await CardApplications.loadAll(on: req.db) {
            $0.filter(\.$stage == ApplicationStage.reviewed.rawValue).filter(\.$route == ApplicationRoute.contractorBatch.rawValue)
        }
        let people = try await CardApplications.employees(Set(ready.map(\.model.employeeID)), on: req.db)
        let rows = ready.map { l -> AppRow in
            let e = people[l.model.employeeID]
            return AppRow(id: l.model.id?.uuidString ?? "", employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "",
                          route: Self.routeLabel(l.record.route, req), stage: Self.stageLabel(l.record.stage, req), stageValue: l.record.stage.rawValue,
                          updated: PageTime.show(l.model.updatedAt))
        }
        let batches = try await CardBatchModel.query(on: req.db).sort(\.$createdAt, .descending).all().map { m -> BatchRow in
            let b = try CardApplications.decode(ContractorBatch.self, m.record, id: m.id ?? "")
            return BatchRow(id: b.id.rawValue, createdAt: PageTime.show(b.createdAt), count: b.applications.count, sentAt: b.sentAt.map(PageTime.show),
                            packageName: b.packageName)
        }
        let layout = try await CardApplications.layout(on: req.db)
        let data = BatchesData(ready: rows, batches: batches, layoutName: layout.name, encoding: layout.encoding.rawValue,
                               columns: layout.columns.enumerated().map { ColumnRow(number: $0.offset + 1, field: $0.element.field.rawValue, header: $0.element.header) })
        return try await req.renderPage("apply-batches", titleKey: "ca_batchesTitle", data, status: status, error: error, switchPath: "/card-batches")
    }

    @Sendable func batches(_ req: Request) async throws -> Response { try await renderBatches(req) }

    @Sendable func build(_ req: Request) async throws -> Response {
        do { _ = try await req.cardOps.buildBatch(nil) } catch {
            let problem = req.pageProblem(error)
            return try await renderBatches(req, status: problem.status, error: problem.text)
        }
        req.flash("ca_built")
        return req.seeOther("/card-batches")
    }

    @Sendable func sent(_ req: Request) async throws -> Response {
        do { _ = try await req.cardOps.markSent(req.parameters.get("id") ?? "") } catch {
            let problem = req.pageProblem(error)
            return try await renderBatches(req, status: problem.status, error: problem.text)
        }
        req.flash("ca_marked")
        return req.seeOther("/card-batches")
    }

    @Sendable func package(_ req: Request) async throws -> Response {
        try await CardApplicationController.packageResponse(req.parameters.get("id") ?? "", req: req)
    }
}
