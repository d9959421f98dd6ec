import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// Message templates and the campaign facts they fill in.
extension CardApplicationPages {
    struct TemplateRow: Encodable, Sendable {
        var id: String
        var heading: String
        var subject: String
        var body: String
        var isDefault: Bool
        var placeholders: String
    }
    struct TemplatesData: Encodable, Sendable {
        var company: String
        var contact: String
        var deadline: String
        var templates: [TemplateRow]
    }

    func renderTemplates(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let c = try await CardApplications.campaign(on: req.db)
        var rows: [TemplateRow] = []
        for kind in MessageTemplateKind.allCases {
            for lang in MessageLanguage.allCases {
                let (t, isDefault) = try await CardApplications.template(kind, lang, on: req.db)
                rows.append(TemplateRow(id: CardApplications.templateID(kind, lang),
                                        heading: "\(req.text("ca_templateKind_\(kind.rawValue)")) — \(req.text("ca_language_\(lang.rawValue)"))",
                                        subject: t.subject, body: t.body, isDefault: isDefault, placeholders: t.placeholders.map { "{\($0)}" }.joined(separator: " ")))
            }
        }
        return try await req.renderPage("apply-templates", titleKey: "ca_templatesTitle",
                                        TemplatesData(company: c.company, contact: c.contact, deadline: c.deadline, templates: rows),
                                        status: status, error: error, switchPath: "/card-templates")
    }

    @Sendable func templates(_ req: Request) async throws -> Response { try await renderTemplates(req) }

    struct TemplateForm: Content {
        var subject: String?
        var body: String?
    }

    @Sendable func saveTemplate(_ req: Request) async throws -> Response {
        try await req.submitForm(TemplateForm.self, flash: "ca_templateSaved", redirect: "/card-templates") { form in
            _ = try await req.cardOps.saveTemplate(req.parameters.get("id") ?? "", subject: form.subject ?? "", body: form.body ?? "")
            return nil
        } page: { _, problem in
            try await renderTemplates(req, status: problem.status, error: problem.text)
        }
    }

    @Sendable func resetTemplate(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        guard CardApplications.parseTemplateID(id) != nil else {
            return try await renderTemplates(req, status: .notFound, error: req.pageLanguage == .ja ? "そのテンプレートはありません。" : "No such template.")
        }
        try await req.cardOps.resetTemplate(id)
        req.flash("ca_templateReset")
        return req.seeOther("/card-templates")
    }

    struct CampaignForm: Content {
        var company: String?
        var contact: String?
        var deadline: String?
    }

    @Sendable func saveCampaign(_ req: Request) async throws -> Response {
        try await req.submitForm(CampaignForm.self, flash: "ca_campaignSaved", redirect: "/card-templates") { form in
            try await req.cardOps.saveCampaign(CardApplications.Campaign(company: form.company ?? "", contact: form.contact ?? "", deadline: form.deadline ?? ""))
            return nil
        } page: { _, problem in
            try await renderTemplates(req, status: problem.status, error: problem.text)
        }
    }
}
