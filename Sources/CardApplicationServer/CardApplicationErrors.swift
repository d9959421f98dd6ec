import CardApplication
import Vapor
import ServerCore

/// Card applications' refusals as ``APIError``s: the domain's bilingual messages, and the per-field
/// issues of the application data and of the photo.
extension APIError {
    /// The domain's refusal `m` (its code and sentences) with `status`.
    init(_ status: HTTPResponseStatus, _ m: some BilingualMessage) {
        self.init(status, code: m.code, ja: m.japaneseMessage, en: m.englishMessage)
    }

    /// 422 with one issue per refused field of the application data.
    static func applicationData(_ e: ApplicationDataIssues) -> APIError {
        APIError(.unprocessableEntity, code: "application_data_invalid", ja: "申請情報に誤りがあります。", en: "The application data has problems.",
                 issues: e.issues.map { Issue(field: $0.field.rawValue, code: $0.code, severity: .error, messageJa: $0.japaneseMessage, messageEn: $0.englishMessage) })
    }

    /// 422 with one issue per finding about the photo.
    static func photo(_ r: PhotoReport) -> APIError {
        APIError(.unprocessableEntity, code: "photo_not_acceptable", ja: "顔写真が規格を満たしていません。", en: "The photo does not meet the rules.",
                 issues: r.issues.map(Issue.photo))
    }
}

extension APIError.Issue {
    /// A photo finding as an issue of the field `photo` (a notice is a warning: worth telling, no refusal).
    static func photo(_ p: PhotoIssue) -> APIError.Issue {
        APIError.Issue(field: "photo", code: p.code, severity: p.severity == .error ? .error : .warning, messageJa: p.japaneseMessage, messageEn: p.englishMessage)
    }
}
