import Foundation

/// Grant or deny, with the reason a security officer reads in the event log.
public struct Decision: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable { case grant, deny }

    public var outcome: Outcome
    public var reason: DecisionReason
    /// The person, when the credential was known.
    public var employee: EmployeeID?
    /// Things to look at even though the door opened (soft anti-passback).
    public var warnings: [DecisionWarning]

    public var isGranted: Bool { outcome == .grant }

    public init(_ outcome: Outcome, _ reason: DecisionReason, employee: EmployeeID? = nil, warnings: [DecisionWarning] = []) {
        self.outcome = outcome
        self.reason = reason
        self.employee = employee
        self.warnings = warnings
    }
}

/// A warning attached to a granted decision.
public enum DecisionWarning: String, Sendable, Hashable, Codable {
    /// Entered a zone the person had not left (soft anti-passback).
    case passbackSuspected
    /// Admitted at a `genuine` door without the card check: the credential has no enrolled card key and
    /// the door still admits such cards (``Door/keylessAdmitUntil``). The holder should re-enrol.
    case cardKeyMissing
}

/// Every reason a door opens or stays shut. Each has a stable ``code`` for logs and APIs, and a
/// sentence in Japanese and English.
public enum DecisionReason: Sendable, Hashable, Codable {
    // Grants
    case granted(group: GroupID)
    case exitToOutside
    case emergencyUnlock
    // Denials
    case unknownDoor
    case lockdown
    case unknownCredential
    case credentialSuspended(Credential.SuspensionReason)
    case credentialRetired
    case certificateExpired(Date)
    case certificateNotYetValid(Date)
    case certificateRevoked
    case revocationUnknown
    case employeeInactive(Employee.Status)
    case employeeOutsideValidity
    case pinRequired
    /// The door's cue at a `genuine` door: have the card sign a challenge, then ask again.
    case genuineRequired
    /// A `genuine` door, and the credential was enrolled without the card's own key.
    case cardKeyMissing
    /// The card's signature did not verify with the enrolled card key (a copied certificate, a replay, …).
    case cardNotGenuine(String)
    case pinWrong(triesLeft: Int)
    case pinBlocked
    case signatureInvalid(String)
    case noPermission(zone: ZoneID)
    case outsideSchedule
    case holidayClosed(String)
    /// The door's own schedule (``Door/schedule``) has it closed now: outside its windows, or on the
    /// named holiday.
    case doorOutsideSchedule(holiday: String?)
    case antiPassback
    /// The server could not confirm its policy is current within its limit and fails secure: every tap
    /// is refused, because a suspension it failed to load must not open a door.
    case policyStaleFailSecure
    /// The server could not confirm its policy is current within its limit and fails safe: it decided on
    /// the last policy it loaded, for the reason given.
    indirect case policyStaleFailSafe(DecisionReason)

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .granted: return "granted"
        case .exitToOutside: return "exit_to_outside"
        case .emergencyUnlock: return "emergency_unlock"
        case .unknownDoor: return "unknown_door"
        case .lockdown: return "lockdown"
        case .unknownCredential: return "unknown_credential"
        case .credentialSuspended: return "credential_suspended"
        case .credentialRetired: return "credential_retired"
        case .certificateExpired: return "certificate_expired"
        case .certificateNotYetValid: return "certificate_not_yet_valid"
        case .certificateRevoked: return "certificate_revoked"
        case .revocationUnknown: return "revocation_unknown"
        case .employeeInactive: return "employee_inactive"
        case .employeeOutsideValidity: return "employee_outside_validity"
        case .pinRequired: return "pin_required"
        case .genuineRequired: return "genuine_required"
        case .cardKeyMissing: return "card_key_missing"
        case .cardNotGenuine: return "card_not_genuine"
        case .pinWrong: return "pin_wrong"
        case .pinBlocked: return "pin_blocked"
        case .signatureInvalid: return "signature_invalid"
        case .noPermission: return "no_permission"
        case .outsideSchedule: return "outside_schedule"
        case .doorOutsideSchedule: return "door_outside_schedule"
        case .holidayClosed: return "holiday_closed"
        case .antiPassback: return "anti_passback"
        case .policyStaleFailSecure: return "policy_stale_fail_secure"
        case .policyStaleFailSafe: return "policy_stale_fail_safe"
        }
    }

    /// A sentence for a security officer, in English.
    public var englishSentence: String {
        switch self {
        case .granted(let g): return "Granted: access group \(g) allows this zone now."
        case .exitToOutside: return "Granted: leaving the premises is always allowed."
        case .emergencyUnlock: return "Granted: the door is unlocked for an emergency."
        case .unknownDoor: return "Denied: this door is not configured."
        case .lockdown: return "Denied: the site is in lockdown."
        case .unknownCredential: return "Denied: this card is not enrolled."
        case .credentialSuspended(let r):
            switch r {
            case .reportedLost: return "Denied: the card was reported lost or stolen."
            case .securityOfficer: return "Denied: the card was suspended by security."
            case .certificateRevoked: return "Denied: the card's certificate was revoked."
            }
        case .credentialRetired: return "Denied: this card was replaced by a newer one."
        case .certificateExpired(let d): return "Denied: the card's certificate expired on \(Self.day(d))."
        case .certificateNotYetValid(let d): return "Denied: the card's certificate is valid only from \(Self.day(d))."
        case .certificateRevoked: return "Denied: the card's certificate is on the revocation list."
        case .revocationUnknown: return "Denied: the revocation list is out of date, and this door fails closed."
        case .employeeInactive(let s): return "Denied: the person's status is \(s.rawValue)."
        case .employeeOutsideValidity: return "Denied: the person's access period has not started or has ended."
        case .pinRequired: return "PIN required: this door needs the card's PIN and signature."
        case .genuineRequired: return "Card check required: this door has the card prove it is genuine (no PIN)."
        case .cardKeyMissing: return "Denied: this card was enrolled before the genuine-card check; its holder must have it enrolled again at the desk."
        case .cardNotGenuine(let why): return "Denied: the card did not prove it is the enrolled card (\(why)); a copied certificate cannot."
        case .pinWrong(let n): return "Denied: wrong PIN (\(n) \(n == 1 ? "try" : "tries") left on the card)."
        case .pinBlocked: return "Denied: the card's PIN is blocked."
        case .signatureInvalid(let why): return "Denied: the card's signature did not verify (\(why))."
        case .noPermission(let z): return "Denied: no access group allows zone \(z)."
        case .outsideSchedule: return "Denied: outside the permitted hours."
        case .doorOutsideSchedule(let holiday):
            return holiday.map { "Denied: this door is closed for the public holiday (\($0)) by its own schedule." }
                ?? "Denied: this door is closed at this time by its own schedule."
        case .holidayClosed(let name): return "Denied: closed for the public holiday (\(name))."
        case .antiPassback: return "Denied: the person is already inside this zone (anti-passback)."
        case .policyStaleFailSecure: return "Denied: the server could not confirm its access policy is current, and fails secure."
        case .policyStaleFailSafe(let basis):
            return "Decided on the last policy the server could load (it could not confirm it is current, and fails safe). \(basis.englishSentence)"
        }
    }

    /// A sentence for a security officer, in Japanese.
    public var japaneseSentence: String {
        switch self {
        case .granted(let g): return "許可：アクセスグループ「\(g)」でこの時間帯の入室が認められています。"
        case .exitToOutside: return "許可：敷地外への退出は常に可能です。"
        case .emergencyUnlock: return "許可：非常解錠中です。"
        case .unknownDoor: return "拒否：このドアは設定されていません。"
        case .lockdown: return "拒否：施設全体がロックダウン中です。"
        case .unknownCredential: return "拒否：登録されていないカードです。"
        case .credentialSuspended(let r):
            switch r {
            case .reportedLost: return "拒否：紛失・盗難の届出があったカードです。"
            case .securityOfficer: return "拒否：警備担当者により一時停止されたカードです。"
            case .certificateRevoked: return "拒否：電子証明書が失効したため停止されたカードです。"
            }
        case .credentialRetired: return "拒否：新しいカードに置き換えられた旧カードです。"
        case .certificateExpired(let d): return "拒否：電子証明書の有効期限（\(Self.day(d))）が切れています。"
        case .certificateNotYetValid(let d): return "拒否：電子証明書は\(Self.day(d))から有効です。"
        case .certificateRevoked: return "拒否：電子証明書が失効リストに載っています。"
        case .revocationUnknown: return "拒否：失効リストが古く、このドアは安全側（閉）で運用しています。"
        case .employeeInactive(let s): return "拒否：在籍状態が「\(s.rawValue)」です。"
        case .employeeOutsideValidity: return "拒否：入室の有効期間外です。"
        case .pinRequired: return "暗証番号が必要：このドアは暗証番号と署名による認証が必要です。"
        case .genuineRequired: return "カード確認が必要：このドアはカードが本物であることの確認（暗証番号なし）が必要です。"
        case .cardKeyMissing: return "拒否：本物確認の導入前に登録されたカードです。受付でカードを登録し直してください。"
        case .cardNotGenuine(let why): return "拒否：登録されたカード本体であることを確認できませんでした（\(why)）。複製された証明書では通れません。"
        case .pinWrong(let n): return "拒否：暗証番号が違います（カードの残り回数\(n)回）。"
        case .pinBlocked: return "拒否：カードの暗証番号がロックされています。"
        case .signatureInvalid(let why): return "拒否：カードの署名を検証できませんでした（\(why)）。"
        case .noPermission(let z): return "拒否：エリア「\(z)」への入室権限がありません。"
        case .outsideSchedule: return "拒否：許可された時間帯の外です。"
        case .doorOutsideSchedule(let holiday):
            return holiday.map { "拒否：この扉は祝日（\($0)）のため扉のスケジュールで閉鎖中です。" } ?? "拒否：この扉は扉のスケジュールにより現在閉鎖中です。"
        case .holidayClosed(let name): return "拒否：祝日（\(name)）のため閉鎖中です。"
        case .antiPassback: return "拒否：すでにこのエリアにいる記録があります（アンチパスバック）。"
        case .policyStaleFailSecure: return "拒否：サーバーが最新の入退室ポリシーを確認できないため、安全側（閉）で運用しています。"
        case .policyStaleFailSafe(let basis):
            return "サーバーが最新のポリシーを確認できないため、最後に読み込んだポリシーで判定しました（開放側で運用）。\(basis.japaneseSentence)"
        }
    }

    private static func day(_ d: Date) -> String { JapanTime(d).date.description }
}

extension DecisionReason {
    /// Short labels for a stored reason code, for tables where only the code was kept (the event log):
    /// `(japanese, english)`, or `nil` for a code this version does not know.
    public static func label(forCode code: String) -> (japanese: String, english: String)? {
        labels[code]
    }

    private static let labels: [String: (japanese: String, english: String)] = [
        "granted": ("権限により許可", "granted by access group"),
        "exit_to_outside": ("退出", "leaving the premises"),
        "emergency_unlock": ("非常解錠", "emergency unlock"),
        "unknown_door": ("未設定の扉", "door not configured"),
        "lockdown": ("ロックダウン中", "lockdown"),
        "unknown_credential": ("未登録のカード", "card not enrolled"),
        "credential_suspended": ("利用停止中のカード", "card suspended"),
        "credential_retired": ("旧カード", "replaced card"),
        "certificate_expired": ("証明書の期限切れ", "certificate expired"),
        "certificate_not_yet_valid": ("証明書の有効期間前", "certificate not yet valid"),
        "certificate_revoked": ("証明書失効", "certificate revoked"),
        "revocation_unknown": ("失効情報が古い", "revocation list out of date"),
        "employee_inactive": ("在籍状態により拒否", "person not active"),
        "employee_outside_validity": ("有効期間外", "outside the person's access period"),
        "pin_required": ("暗証番号が必要", "PIN required"),
        "genuine_required": ("カード確認が必要", "card check required"),
        "card_key_missing": ("カード鍵未登録（受付で再登録）", "card key not enrolled (re-enrol at the desk)"),
        "card_not_genuine": ("カード本体を確認できず", "card not proven genuine"),
        "pin_wrong": ("暗証番号の誤り", "wrong PIN"),
        "pin_blocked": ("暗証番号ロック", "PIN blocked"),
        "signature_invalid": ("署名の検証失敗", "signature did not verify"),
        "no_permission": ("入室権限なし", "no permission for this zone"),
        "outside_schedule": ("許可時間外", "outside permitted hours"),
        "door_outside_schedule": ("扉の利用時間外", "door closed by its own schedule"),
        "holiday_closed": ("祝日閉鎖", "closed for a public holiday"),
        "anti_passback": ("アンチパスバック", "anti-passback"),
        // A server whose policy is older than its limit (ServerConfig.maxPolicyAgeSeconds).
        "policy_stale_fail_secure": ("ポリシー確認不能のため閉（安全側）", "server policy stale: failed secure"),
        "policy_stale_fail_safe": ("ポリシー確認不能のため旧ポリシーで判定", "server policy stale: decided on the last policy"),
        // Codes a door controller records besides decisions (DoorAgent's DoorController and DoorAlarm).
        "forced_open": ("こじ開け警報（解錠していない扉が開いた）", "forced open: the door opened while locked"),
        "held_open": ("開放放置警報（解錠時間を過ぎても開いたまま）", "held open: the door stayed open after its release"),
        "stale_fail_secure": ("同期切れのため閉（安全側）", "snapshot stale: door failed secure"),
        "stale_fail_safe": ("同期切れのため開放（非常口）", "snapshot stale: door failed safe"),
        "card_unreadable": ("カード読取失敗", "card could not be read"),
    ]
}
