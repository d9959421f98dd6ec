import Vapor

/// What a page shows when its form action was refused or failed: the status to answer with, the
/// sentence in the page's language (after the translated prefix), one sentence per refused field,
/// and the error as the API would answer it (for pages that branch on its code).
package struct PageProblem: Sendable {
    package var status: HTTPStatus
    package var text: String
    package var issues: [String]
    package var error: APIError
}

extension Request {
    /// The one way a page reads its posted form (`application/x-www-form-urlencoded` or multipart).
    ///
    /// A body that cannot be read as `Form` — the wrong media type, a broken encoding, a field of the
    /// wrong type — throws (400 or 415 through ``APIError/init(rendering:)``). It is never replaced by
    /// an empty form: an action run on defaults would set a statement to "none", run a disposal for
    /// real instead of as a dry run, or open an application nobody asked for. Fields a browser leaves
    /// out (an unticked checkbox) are optionals in `Form` and read as absent.
    package func pageForm<Form: Decodable>(_ type: Form.Type) throws -> Form {
        try decodeBody(type)
    }

    /// `error` as a page shows it. A server-side failure (5xx) is logged here with the request's
    /// logger, as ``ServerErrorLog`` would have logged it had the page not answered in its place: a
    /// failed write is shown to the person and seen by the operator, never only one of the two.
    package func pageProblem(_ error: any Error) -> PageProblem {
        let api = APIError(rendering: error)
        if api.status.code >= 500 {
            let cause = error is APIError ? api.description : HealthRegistry.describe(error)
            logger.error("\(api.status.code) on \(method.rawValue) \(loggedPath), shown on the page: \(cause)")
        }
        return PageProblem(status: api.status, text: errorText(error), issues: api.issueTexts(pageLanguage), error: api)
    }

    /// The one shape of a page's form action: read the form (``pageForm(_:)``), run `perform`, and on
    /// success flash `flash` (a message key) and redirect to `redirect` with 303, so a reload does not
    /// repeat the action. When the form cannot be read or `perform` throws, `page` renders the page
    /// again with the problem (and the form as posted, when it could be read, so nothing typed is lost).
    ///
    /// `perform` returns the redirect target when it depends on what was done (a new record's page);
    /// return nil to use `redirect`.
    package func submitForm<Form: Decodable>(
        _ type: Form.Type, flash: String, redirect: String,
        perform: (Form) async throws -> String?,
        page: (Form?, PageProblem) async throws -> Response
    ) async throws -> Response {
        let form: Form
        do { form = try pageForm(type) } catch { return try await page(nil, pageProblem(error)) }
        let target: String?
        do { target = try await perform(form) } catch { return try await page(form, pageProblem(error)) }
        self.flash(flash)
        return seeOther(target ?? redirect)
    }
}
