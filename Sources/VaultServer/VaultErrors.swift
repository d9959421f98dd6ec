import Foundation
import MyNumber
import Vapor
import Vault
import ServerCore

/// The vault's refusals as ``APIError``s. None carries a number: every text is built from fixed
/// phrases, codes, dates and internal ids.
extension APIError {
    init(_ status: HTTPResponseStatus, code: String, _ b: any Bilingual) {
        self.init(status, code: code, ja: b.japanese, en: b.english)
    }

    static func vault(_ e: CollectionRequestError) -> APIError {
        let status: HTTPResponseStatus
        switch e {
        case .expired, .cancelled, .alreadyFulfilled, .subjectAlreadyFulfilled, .noticeAlreadyAcknowledged, .noticeNotAcknowledged: status = .conflict
        case .notTheEmployee: status = .forbidden
        default: status = .unprocessableEntity
        }
        return APIError(status, code: e.code, e)
    }

    /// Any error from the vault's domain, as thrown inside closures (where typed throws are not inferred);
    /// anything unknown is a generic 500 (its kind is logged by ``ServerErrorLog`` when it is thrown as is).
    static func vault(_ e: any Error) -> APIError {
        switch e {
        case let v as APIError: return v
        case let c as CollectionRequestError: return vault(c)
        case let u as NumberUseError: return vault(u)
        case let i as IdentityVerificationError: return vault(i)
        case let k as VaultCryptoError: return vault(k)
        case let n as NumberError: return vault(n)
        default: return APIError(.internalServerError, code: "internal", ja: "内部エラー", en: "internal error")
        }
    }

    static func vault(_ e: NumberUseError) -> APIError {
        switch e {
        case .notADesignatedHandler: return APIError(.forbidden, code: e.code, e)
        case .purposeRequired: return APIError(.badRequest, code: e.code, e)
        case .purposeNotCollected: return APIError(.unprocessableEntity, code: e.code, e)
        }
    }

    static func vault(_ e: IdentityVerificationError) -> APIError {
        APIError(.unprocessableEntity, code: "identity_verification_refused", ja: "本人確認が成立しません: " + e.japanese, en: "identity verification refused: " + e.english)
    }

    static func vault(_ e: VaultCryptoError) -> APIError {
        APIError(.internalServerError, code: e.code, e)
    }

    /// A typed number that does not parse: the reason says what is wrong, never the digits.
    static func vault(_ e: NumberError) -> APIError {
        APIError(.unprocessableEntity, code: "invalid_number", ja: "個人番号が正しくありません（\(e.japaneseMessage)）", en: "not a valid individual number: \(e.message)")
    }

    static let notHandler = APIError(.forbidden, code: "not_a_designated_handler",
                                     ja: "個人番号を扱えるのは管理者が指定した事務取扱担当者だけです", en: "only designated handlers (事務取扱担当者) may do this; an administrator designates them")
    /// Not a refusal of the route (every role may give its own number) but nothing to act on: an account
    /// without an employee record has no requests, so 404 like a request that is not theirs.
    static let noEmployee = APIError(.notFound, code: "no_employee_record",
                                     ja: "このアカウントは従業員に結び付いていません", en: "this account is not linked to an employee")
    /// 404 for a vault record: "no such `what`" / "`ja`が見つかりません".
    static func noSuch(_ what: String, ja: String) -> APIError { APIError(.notFound, code: "not_found", ja: "\(ja)が見つかりません", en: "no such \(what)") }
    static func bad(_ en: String, ja: String) -> APIError { APIError(.badRequest, code: "bad_request", ja: ja, en: en) }
}
