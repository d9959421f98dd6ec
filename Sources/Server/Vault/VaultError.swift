import Foundation
import MyNumber
import Vapor
import Vault

/// A refusal from the vault: an HTTP status, a stable code and a sentence in both languages. None
/// carries a number: every text is built from fixed phrases, codes, dates and internal ids.
public struct VaultError: AbortError, Sendable, CustomStringConvertible {
    public var status: HTTPResponseStatus
    public var code: String
    public var japanese: String
    public var english: String
    public var reason: String { "\(code): \(english)" }
    public var description: String { reason }

    public init(_ status: HTTPResponseStatus, _ code: String, ja: String, en: String) {
        self.status = status
        self.code = code
        self.japanese = ja
        self.english = en
    }

    init(_ status: HTTPResponseStatus, code: String, _ b: any Bilingual) {
        self.init(status, code, ja: b.japanese, en: b.english)
    }

    static func from(_ e: CollectionRequestError) -> VaultError {
        let status: HTTPResponseStatus
        switch e {
        case .expired, .cancelled, .alreadyFulfilled, .subjectAlreadyFulfilled, .noticeAlreadyAcknowledged, .noticeNotAcknowledged: status = .conflict
        case .notTheEmployee: status = .forbidden
        default: status = .unprocessableEntity
        }
        return VaultError(status, code: e.code, e)
    }

    /// Any error from the domain, as thrown inside closures (where typed throws are not inferred).
    static func from(_ e: any Error) -> VaultError {
        switch e {
        case let v as VaultError: return v
        case let c as CollectionRequestError: return from(c)
        case let u as NumberUseError: return from(u)
        case let i as IdentityVerificationError: return from(i)
        case let k as VaultCryptoError: return from(k)
        case let n as NumberError: return from(n)
        default: return VaultError(.internalServerError, "internal", ja: "内部エラー", en: "internal error")
        }
    }

    static func from(_ e: NumberUseError) -> VaultError {
        switch e {
        case .notADesignatedHandler: return VaultError(.forbidden, code: e.code, e)
        case .purposeRequired: return VaultError(.badRequest, code: e.code, e)
        case .purposeNotCollected: return VaultError(.unprocessableEntity, code: e.code, e)
        }
    }

    static func from(_ e: IdentityVerificationError) -> VaultError {
        VaultError(.unprocessableEntity, "identity_verification_refused", ja: "本人確認が成立しません: " + e.japanese, en: "identity verification refused: " + e.english)
    }

    static func from(_ e: VaultCryptoError) -> VaultError {
        VaultError(.internalServerError, code: e.code, e)
    }

    /// A typed number that does not parse: the reason says what is wrong, never the digits.
    static func from(_ e: NumberError) -> VaultError {
        VaultError(.unprocessableEntity, "invalid_number", ja: "個人番号が正しくありません（\(e.japaneseMessage)）", en: "not a valid individual number: \(e.message)")
    }

    static let notHandler = VaultError(.forbidden, "not_a_designated_handler",
                                       ja: "個人番号を扱えるのは管理者が指定した事務取扱担当者だけです", en: "only designated handlers (事務取扱担当者) may do this; an administrator designates them")
    /// Not a refusal of the route (every role may give its own number) but nothing to act on: an account
    /// without an employee record has no requests, so 404 like a request that is not theirs.
    static let noEmployee = VaultError(.notFound, "no_employee_record",
                                       ja: "このアカウントは従業員に結び付いていません", en: "this account is not linked to an employee")
    static func notFound(_ what: String, ja: String) -> VaultError { VaultError(.notFound, "not_found", ja: "\(ja)が見つかりません", en: "no such \(what)") }
    static func bad(_ en: String, ja: String) -> VaultError { VaultError(.badRequest, "bad_request", ja: ja, en: en) }
    static func invalid(_ en: String, ja: String) -> VaultError { VaultError(.unprocessableEntity, "invalid", ja: ja, en: en) }
}

extension Request {
    /// A vault error in the page's language, other errors as ``errorText(_:)`` does.
    func vaultErrorText(_ error: any Error) -> String {
        if let v = error as? VaultError { return "\(text("errorPrefix")): " + (pageLanguage == .ja ? v.japanese : v.english) }
        return errorText(error)
    }
}

/// Free text that must not carry a number (a hold's reason, a name): refuses any run of 12 or more
/// digits, ASCII or full-width, with spaces or hyphens between — without echoing it.
enum FreeText {
    static func check(_ text: String, field: String, max: Int) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty, t.count <= max else {
            throw VaultError.invalid("\(field) must be 1–\(max) characters", ja: "\(field)は1〜\(max)文字で入力してください")
        }
        if containsNumberRun(t) {
            throw VaultError.invalid("\(field) must not contain a 12-digit number", ja: "\(field)に12桁の数字（個人番号の可能性）は入力できません")
        }
        return t
    }

    /// Whether `text` holds a run of 12 or more digits (ASCII or full-width; spaces or hyphens between
    /// them do not break the run): what a My Number pasted into a text field looks like.
    static func containsNumberRun(_ text: String) -> Bool {
        var run = 0
        for ch in text {
            if ch.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }) {
                run += 1
                if run >= 12 { return true }
            } else if !(run > 0 && (ch == "-" || ch == " " || ch == "ー" || ch == "－" || ch == "　")) {
                run = 0
            }
        }
        return false
    }
}
