/// Why an ``ApplicationEvent`` was refused. Each case has a code and a sentence in Japanese and English.
public enum ApplicationTransitionError: Error, Sendable, Hashable, BilingualMessage {
    /// The event makes no sense at this stage (e.g. a card received before the notice).
    case notAllowed(event: String, stage: ApplicationStage)
    /// The application is closed (enrolled or withdrawn).
    case closed(ApplicationStage)
    /// The event belongs to the other route (e.g. a batch for a case-2 application).
    case wrongRoute(event: String, route: ApplicationRoute?)
    /// No route has been chosen yet.
    case routeNotChosen
    /// Review needs the application data.
    case dataMissing
    /// Case 1 review needs a photo.
    case photoMissing
    /// Case 1 review needs a photo that passed the checks.
    case photoNotAcceptable(codes: [String])
    /// The application has left the company and can no longer be withdrawn here.
    case alreadyApplied(ApplicationStage)
    /// The event names a different batch or session than the one the application is in.
    case mismatch(expected: String, got: String)

    public var code: String {
        switch self {
        case .notAllowed: return "transition_not_allowed"
        case .closed: return "application_closed"
        case .wrongRoute: return "wrong_route"
        case .routeNotChosen: return "route_not_chosen"
        case .dataMissing: return "data_missing"
        case .photoMissing: return "photo_missing"
        case .photoNotAcceptable: return "photo_not_acceptable"
        case .alreadyApplied: return "already_applied"
        case .mismatch: return "batch_or_session_mismatch"
        }
    }

    public var japaneseMessage: String {
        switch self {
        case .notAllowed(let e, let s): return "「\(s.japaneseLabel)」の申請には、この操作（\(e)）はできません。"
        case .closed(let s): return "この申請は終了しています（\(s.japaneseLabel)）。"
        case .wrongRoute(let e, let r):
            let route = r == .contractorBatch ? "申請受付事業者への一括申請" : r == .onSiteSession ? "市区町村職員による出張申請受付" : "申請方法未選択"
            return "この操作（\(e)）は、この申請の申請方法（\(route)）では使えません。"
        case .routeNotChosen: return "申請方法（一括申請か出張申請受付か）が選ばれていません。"
        case .dataMissing: return "申請情報が入力されていません。"
        case .photoMissing: return "顔写真が添付されていません。"
        case .photoNotAcceptable(let c): return "顔写真が規格を満たしていません（\(c.joined(separator: ", "))）。撮り直してください。"
        case .alreadyApplied(let s): return "申請は既に提出済みです（\(s.japaneseLabel)）。取下げは市区町村にお問い合わせください。"
        case .mismatch(let x, let g): return "対象が一致しません（\(x) ではなく \(g)）。"
        }
    }

    public var englishMessage: String {
        switch self {
        case .notAllowed(let e, let s): return "This action (\(e)) is not possible for an application at stage \"\(s.englishLabel)\"."
        case .closed(let s): return "This application is closed (\(s.englishLabel))."
        case .wrongRoute(let e, let r):
            let route = r == .contractorBatch ? "batch through the contractor" : r == .onSiteSession ? "on-site session with city staff" : "no route chosen"
            return "This action (\(e)) does not apply to this application's route (\(route))."
        case .routeNotChosen: return "No application route (batch or on-site session) has been chosen."
        case .dataMissing: return "The application data has not been entered."
        case .photoMissing: return "No face photo is attached."
        case .photoNotAcceptable(let c): return "The face photo does not meet the rules (\(c.joined(separator: ", "))). Please take a new one."
        case .alreadyApplied(let s): return "The application has already been submitted (\(s.englishLabel)); ask the city office to withdraw it."
        case .mismatch(let x, let g): return "Wrong batch or session (expected \(x), got \(g))."
        }
    }
}
