import Access
import Foundation
import Vapor

/// Every refusal and failure the server answers with: an HTTP status, a stable snake_case code, one
/// sentence in Japanese and one in English, and — for forms, CSV rows and photo checks — one issue per
/// refused field.
///
/// The API renders it as the one error body (``Body``, `components/schemas/Error` in the OpenAPI
/// document); pages show its sentence in the page's language (``Vapor/Request/errorText(_:)``). Every
/// other error that reaches a client is turned into one first (``init(rendering:)``), so a client never
/// sees a second shape. No text in it may carry a My Number, a PIN, submitted input or a database's or
/// library's own words: each is built from fixed phrases, codes, dates and internal ids.
public struct APIError: AbortError, Sendable, CustomStringConvertible {
    /// How serious a field issue is: `error` refuses the request, `warning` only tells.
    public enum Severity: String, Codable, Sendable, Hashable {
        case error
        case warning
    }

    /// One refused (or doubtful) field: which field (nil when the issue is about the whole body), a
    /// stable code and the sentence in both languages.
    public struct Issue: Content, Sendable, Hashable {
        public var field: String?
        public var code: String
        public var severity: Severity
        public var messageJa: String
        public var messageEn: String

        public init(field: String?, code: String, severity: Severity = .error, messageJa: String, messageEn: String) {
            self.field = field
            self.code = code
            self.severity = severity
            self.messageJa = messageJa
            self.messageEn = messageEn
        }

        package enum CodingKeys: String, CodingKey { case field, code, severity, messageJa, messageEn }

        /// Writes `field` as `null` when absent, so every issue has the same keys.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(field, forKey: .field)
            try c.encode(code, forKey: .code)
            try c.encode(severity, forKey: .severity)
            try c.encode(messageJa, forKey: .messageJa)
            try c.encode(messageEn, forKey: .messageEn)
        }
    }

    /// The HTTP status of the answer.
    public var status: HTTPResponseStatus
    /// A stable code, snake_case (`^[a-z0-9_.]+$`), independent of the wording.
    public var code: String
    /// The sentence in Japanese.
    public var japanese: String
    /// The sentence in English (also the body's `reason`).
    public var english: String
    /// One entry per refused field; empty when the refusal is about the request as a whole.
    public var issues: [Issue]
    /// Headers the answer must carry (`Retry-After` on 429 and 503).
    public var headers: HTTPHeaders

    /// The English sentence, as `AbortError` asks.
    public var reason: String { english }
    /// Code and English sentence, for logs.
    public var description: String { "\(code): \(english)" }

    /// A refusal with `status`, a stable `code` and a sentence in each language.
    public init(_ status: HTTPResponseStatus, code: String, ja: String, en: String, issues: [Issue] = [], headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.japanese = ja
        self.english = en
        self.issues = issues
        self.headers = headers
    }

    /// 404 with the code `not_found` and the given sentences.
    public static func notFound(_ en: String, ja: String) -> APIError { APIError(.notFound, code: "not_found", ja: ja, en: en) }
    /// 422 `invalid`: a well-formed value a rule refuses.
    package static func invalid(_ en: String, ja: String) -> APIError { APIError(.unprocessableEntity, code: "invalid", ja: ja, en: en) }

    /// The sentence in `language`.
    package func text(_ language: PageLanguage) -> String { language == .ja ? japanese : english }

    /// The field issues' sentences in `language`.
    func issueTexts(_ language: PageLanguage) -> [String] { issues.map { language == .ja ? $0.messageJa : $0.messageEn } }
}

// MARK: - The body

extension APIError {
    /// The one error body of every 4xx and 5xx answer:
    /// `{"error": true, "code", "reason", "messageJa", "messageEn", "issues"?}`, `reason` repeating
    /// `messageEn` for clients written against Vapor's `{error, reason}`; `issues` only when there are any.
    public struct Body: Content, Sendable {
        public var error: Bool
        public var code: String
        public var reason: String
        public var messageJa: String
        public var messageEn: String
        public var issues: [Issue]?
    }

    /// This error as the body a client receives.
    public var body: Body {
        Body(error: true, code: code, reason: english, messageJa: japanese, messageEn: english, issues: issues.isEmpty ? nil : issues)
    }

    package static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The answer: status, the error's headers, `Content-Type: application/json; charset=utf-8` and
    /// ``body``. Encoding a struct of strings cannot fail; should it, the body is a fixed sentence.
    public func response(for req: Request) -> Response {
        var headers = self.headers
        headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        let data: Data
        do {
            data = try Self.encoder.encode(body)
        } catch {
            req.logger.error("error body could not be encoded: \(HealthRegistry.describe(error))")
            data = Data(#"{"error":true,"code":"internal_error","reason":"internal error","messageJa":"内部エラー","messageEn":"internal error"}"#.utf8)
        }
        return Response(status: status, headers: headers, body: .init(data: data))
    }
}

// MARK: - Any error as an APIError

extension APIError {
    /// Any error as the one shape: an `APIError` as it is; a body that does not decode as 400 with a
    /// sentence that never quotes the input; any other `AbortError` (Vapor's own and this server's
    /// `Abort(status, reason:)`) with a code and a Japanese sentence from its status, its reason as the
    /// English sentence (a fixed sentence where the reason may be a library's words) and its headers;
    /// anything else as a generic 500.
    public init(rendering error: any Error) {
        switch error {
        case let e as APIError:
            self = e
        case let e as DecodingError:
            self = Self.decoding(e)
        case is RouteNotFound:
            self = APIError(.notFound, code: "not_found", ja: "そのURLはありません。", en: "There is no such route.")
        case let e as any AbortError:
            let generic = StatusText.of(e.status)
            let reason = e.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            // Vapor's own 413/415 name the client's media type or nothing useful; a reason equal to the
            // status phrase is Vapor's `Abort(status)` without a sentence.
            let libraryWords = e.status == .unsupportedMediaType || reason.isEmpty || reason == e.status.reasonPhrase
            self = APIError(e.status, code: generic.code, ja: generic.ja, en: libraryWords ? generic.en : reason, headers: e.headers)
        default:
            let generic = StatusText.of(.internalServerError)
            self = APIError(.internalServerError, code: generic.code, ja: generic.ja, en: generic.en)
        }
        if !Self.isCode(code) { code = StatusText.of(status).code }
        if english.isEmpty || japanese.isEmpty {
            let generic = StatusText.of(status)
            if english.isEmpty { english = generic.en }
            if japanese.isEmpty { japanese = generic.ja }
        }
    }

    /// Whether `code` is a stable code (`^[a-z0-9_.]+$`).
    static func isCode(_ code: String) -> Bool {
        !code.isEmpty && code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
    }

    /// A body that does not decode: 400, naming the field when its path is made of plain names (a
    /// dictionary key is the client's text and is not repeated), never the value or the parser's words
    /// (which quote the input).
    package static func decoding(_ e: DecodingError) -> APIError {
        let path: [any CodingKey]
        switch e {
        case .keyNotFound(let key, let ctx): path = ctx.codingPath + [key]
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): path = ctx.codingPath
        @unknown default: path = []
        }
        let field = fieldName(path)
        let ja: String, en: String, code: String
        switch e {
        case .keyNotFound:
            code = "field_missing"
            (ja, en) = field.map { ("項目「\($0)」がありません。", "The field \($0) is missing.") } ?? ("必要な項目がありません。", "A required field is missing.")
        case .typeMismatch, .valueNotFound:
            code = "field_invalid"
            (ja, en) = field.map { ("項目「\($0)」の型が正しくありません。", "The field \($0) has the wrong type.") } ?? ("項目の型が正しくありません。", "A field has the wrong type.")
        case .dataCorrupted(let ctx) where field != nil && ctx.debugDescription == StrictDate.instantRule:
            // The server's own date rule (StrictDate's JSON decoding), worth saying; it quotes nothing.
            code = "field_invalid"
            (ja, en) = ("項目「\(field ?? "")」の日時が正しくありません（ISO 8601形式、1900〜2100年の実在する日付）。",
                        "The field \(field ?? "") has an invalid value: \(StrictDate.instantRule).")
        default:
            code = field == nil ? "body_malformed" : "field_invalid"
            (ja, en) = field.map { ("項目「\($0)」の値が正しくありません。", "The field \($0) has an invalid value.") }
                ?? ("リクエストの本文を読み取れません（JSONの形式を確認してください）。", "The request body could not be read; check that it is well-formed JSON.")
        }
        let issue = Issue(field: field, code: code, messageJa: ja, messageEn: en)
        return APIError(.badRequest, code: "bad_request", ja: ja, en: en, issues: [issue])
    }

    /// `a.b.0.c` when every name is a key this server's types declare, spelled in plain ASCII letters;
    /// nil as soon as one is a dictionary's key, which is the client's own text (a My Number as a key
    /// would even pass as an index). Decoders' private key types (`_DictionaryCodingKey`, `_CodingKey`)
    /// carry both dictionary keys and array indices; only an index (`Index 3`) is kept from them.
    static func fieldName(_ path: [any CodingKey]) -> String? {
        guard !path.isEmpty else { return nil }
        var parts: [String] = []
        for key in path {
            let s = key.stringValue
            if String(describing: type(of: key)).hasPrefix("_") {
                guard let i = key.intValue, s == "Index \(i)" else { return nil }
                parts.append(String(i))
                continue
            }
            guard (1...40).contains(s.count), s.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) }) else { return nil }
            parts.append(s)
        }
        return parts.joined(separator: ".")
    }
}

/// The code and the fixed sentences of an HTTP status, for an error that brings no code of its own.
enum StatusText {
    package struct Text {
        package var code: String
        package var ja: String
        package var en: String
    }

    package static func of(_ status: HTTPResponseStatus) -> Text {
        switch status.code {
        case 400: Text(code: "bad_request", ja: "リクエストが正しくありません。", en: "The request is not valid.")
        case 401: Text(code: "unauthorized", ja: "サインインが必要です。", en: "Sign in first.")
        case 403: Text(code: "forbidden", ja: "この操作をする権限がありません。", en: "You may not do this.")
        case 404: Text(code: "not_found", ja: "見つかりません。", en: "Not found.")
        case 405: Text(code: "method_not_allowed", ja: "このURLではその操作はできません。", en: "This method is not allowed here.")
        case 409: Text(code: "conflict", ja: "現在の状態と矛盾するため実行できません。", en: "This conflicts with the current state.")
        case 410: Text(code: "gone", ja: "もう利用できません。", en: "This is no longer available.")
        case 413: Text(code: "payload_too_large", ja: "送信されたデータが大きすぎます。", en: "The request body is too large.")
        case 415: Text(code: "unsupported_media_type", ja: "この形式のデータは受け付けていません。", en: "The request body's media type is not accepted here.")
        case 422: Text(code: "unprocessable_entity", ja: "入力内容に誤りがあります。", en: "The request cannot be processed as given.")
        case 429: Text(code: "too_many_requests", ja: "試行が多すぎます。しばらく待ってからやり直してください。", en: "Too many requests; wait and try again.")
        case 500: Text(code: "internal_error", ja: "サーバー内部でエラーが起きました。", en: "The server could not complete the request.")
        case 501: Text(code: "not_implemented", ja: "この機能はありません。", en: "Not implemented.")
        case 502: Text(code: "bad_gateway", ja: "連携先から正しい応答がありません。", en: "An upstream service answered wrongly.")
        case 503: Text(code: "service_unavailable", ja: "一時的に利用できません。しばらく待ってからやり直してください。", en: "The service is unavailable; try again later.")
        case 504: Text(code: "gateway_timeout", ja: "連携先が時間内に応答しませんでした。", en: "An upstream service did not answer in time.")
        default:
            // Any other status: its phrase as the code (`not_acceptable`), the sentence of its class.
            Text(code: phraseCode(status) ?? (status.code >= 500 ? "internal_error" : "bad_request"),
                 ja: status.code >= 500 ? "サーバー内部でエラーが起きました。" : "リクエストを処理できません。",
                 en: status.code >= 500 ? "The server could not complete the request." : "The request cannot be handled.")
        }
    }

    /// `Not Acceptable` → `not_acceptable`.
    static func phraseCode(_ status: HTTPResponseStatus) -> String? {
        let code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        return APIError.isCode(code) ? code : nil
    }
}
