import NIOConcurrencyHelpers
import Vapor

/// The languages the pages speak. Japanese is the default: the people at the door and the desk read it.
package enum PageLanguage: String, Sendable, CaseIterable {
    case ja, en

    /// The other language, for the switch link every page carries.
    package var other: PageLanguage { self == .ja ? .en : .ja }

    /// `?lang=` wins and is remembered — in the session when signed in, else in the `mynagate_lang`
    /// cookie (an anonymous visitor gets no session row) — so a person who switched once keeps the
    /// language on every page without carrying the parameter around.
    package static func of(_ req: Request) -> PageLanguage {
        if let q = req.query[String.self, at: "lang"], let l = PageLanguage(rawValue: q) {
            if req.auth.has(SessionUser.self) {
                if req.session.data["lang"] != l.rawValue { req.session.data["lang"] = l.rawValue }
            } else if req.cookies[cookieName]?.string != l.rawValue {
                req.storage[ChosenKey.self] = l
            }
            return l
        }
        if req.hasSession, let s = req.session.data["lang"], let l = PageLanguage(rawValue: s) { return l }
        if let c = req.cookies[cookieName]?.string, let l = PageLanguage(rawValue: c) { return l }
        return .ja
    }

    static let cookieName = "mynagate_lang"
    private struct ChosenKey: StorageKey { typealias Value = PageLanguage }

    /// The language cookie to set when an anonymous visitor chose a language in this request.
    static func cookieToSet(_ req: Request) -> HTTPCookies.Value? {
        guard let l = req.storage[ChosenKey.self] else { return nil }
        return HTTPCookies.Value(string: l.rawValue, expires: Date().addingTimeInterval(365 * 86400), maxAge: nil, domain: nil, path: "/",
                                 isSecure: req.state.cookieSecure, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Every text the pages show, in Japanese and English, in one place so no page hard-codes a language
/// and a missing translation is visible in review (and in a test, which checks that both are non-empty).
package enum Messages {
    /// Every message: the core pages' own (``base``) and those of every feature added so far
    /// (``add(_:)``, from ``Application/addFeature(_:)``).
    package static var catalogue: [String: (ja: String, en: String)] { added.withLockedValue { $0 } }

    private static let added = NIOLockedValueBox<[String: (ja: String, en: String)]>(base.merging(PeopleMessages.catalogue) { first, _ in first })

    /// Adds a feature's texts. A key the catalogue already has with another text is refused: no
    /// feature can replace the core's words or another feature's, and which text a page shows never
    /// depends on the order servers were started in. Texts are constants, so adding the same feature
    /// again (several servers in one test process) changes nothing.
    package static func add(_ messages: [String: (ja: String, en: String)]) throws {
        try added.withLockedValue { catalogue in
            for (key, text) in messages {
                if let had = catalogue[key], had != text { throw ConfigurationError("the page text \(key) is defined twice, differently") }
            }
            catalogue.merge(messages) { first, _ in first }
        }
    }
    package static let base: [String: (ja: String, en: String)] = [
        // Frame
        "appName": ("MynaGate 入退室管理", "MynaGate access control"),
        "skipToContent": ("本文へ移動", "Skip to content"),
        "navLabel": ("メインメニュー", "Main menu"),
        "switchLanguage": ("English", "日本語"),
        "signedInAs": ("サインイン中", "Signed in as"),
        "signOut": ("サインアウト", "Sign out"),
        "result": ("結果", "Result"),
        "errorPrefix": ("エラー", "Error"),
        "none": ("なし", "none"),
        "yes": ("はい", "yes"),
        "no": ("いいえ", "no"),
        "back": ("戻る", "Back"),
        "cancel": ("やめる", "Cancel"),
        "forbiddenTitle": ("権限がありません", "Not allowed"),
        "forbiddenText": ("このページを表示する権限がありません。", "Your role may not open this page."),
        "formExpired": ("フォームの有効期限が切れました。ページを読み込み直してください。", "The form expired. Reload the page and try again."),
        // Roles
        "role_admin": ("管理者", "Administrator"),
        "role_security": ("警備担当", "Security officer"),
        "role_hr": ("事務取扱担当者", "HR handler"),
        "role_employee": ("従業員", "Employee"),
        // Navigation
        "nav_dashboard": ("ダッシュボード", "Dashboard"),
        "nav_employees": ("従業員", "Employees"),
        "nav_cards": ("カード", "Cards"),
        "nav_doors": ("扉・区域", "Doors & zones"),
        "nav_events": ("イベントログ", "Event log"),
        "nav_enroll": ("カード登録", "Enrollment"),
        "nav_myCards": ("自分のカード", "My cards"),
        "nav_signIn": ("サインイン", "Sign in"),
        "nav_lostCard": ("カードの紛失・盗難", "Lost or stolen card"),
        // Sign-in
        "signInTitle": ("サインイン", "Sign in"),
        "username": ("ユーザー名", "Username"),
        "password": ("パスワード", "Password"),
        "signInButton": ("サインイン", "Sign in"),
        // The same text for a locked account (security issue 14, L3): the answer must not tell which.
        "wrongPassword": ("ユーザー名またはパスワードが違います。失敗が続くと、しばらくサインインできなくなります。",
                          "Wrong username or password. After repeated failures, sign-in is paused for a while."),
        "tooManySignIns": ("この端末からの試行が多すぎます。少し待ってからやり直してください。",
                           "Too many attempts from here. Wait a little and try again."),
        "signedOut": ("サインアウトしました。", "You are signed out."),
        "lostCardHint": ("カードを紛失した・盗まれた場合は、サインインせずに利用停止できます。",
                         "Lost your card or had it stolen? You can suspend it without signing in."),
        // Dashboard
        "dashboardTitle": ("ダッシュボード", "Dashboard"),
        "presenceHeading": ("在室状況", "Who is where"),
        "presenceCaption": ("区域ごとの在室者", "People in each zone now"),
        "zone": ("区域", "Zone"),
        "people": ("在室者", "People"),
        "count": ("人数", "Count"),
        "nobodyIn": ("在室者はいません。", "Nobody is in any zone."),
        "alertsHeading": ("警告", "Alerts"),
        "denialsLastHour": ("直近1時間の拒否", "Denials in the last hour"),
        "suspendedCards": ("利用停止中のカード", "Suspended cards"),
        "cardsWithoutCardKey": ("カード鍵未登録（本物確認の扉で要再登録）", "Cards without a card key (re-enrol for genuine doors)"),
        "lockdownState": ("ロックダウン", "Lockdown"),
        "lockdownOn": ("実施中", "ON"),
        "lockdownOff": ("なし", "off"),
        "policyAge": ("入退室ポリシーの最終確認", "Access policy last confirmed"),
        "policyAgeValue": ("%d 秒前", "%d s ago"),
        "policyNeverConfirmed": ("未確認", "never"),
        "policyStaleSecure": ("古いため、扉の判定はすべて拒否（安全側）", "stale: door decisions deny (fail-secure)"),
        "policyStaleSafe": ("古いため、扉は最後に読み込んだポリシーで判定（開放側）", "stale: doors decide on the last policy (fail-safe)"),
        "serverProblems": ("サーバーの異常", "Server problems"),
        "emergencyUnlocked": ("非常解錠中の扉", "Doors unlocked for emergency"),
        "recentHeading": ("最近のイベント", "Recent events"),
        "recentCaption": ("最新20件", "The latest 20"),
        // Events
        "eventsTitle": ("イベントログ", "Event log"),
        "eventsCaption": ("条件に合うイベント（新しい順、最大200件）", "Matching events (newest first, at most 200)"),
        "filters": ("絞り込み", "Filters"),
        "employeeNumber": ("社員番号", "Employee number"),
        "door": ("扉", "Door"),
        "anyDoor": ("すべての扉", "Any door"),
        "outcome": ("結果", "Outcome"),
        "anyOutcome": ("すべて", "Any"),
        "grant": ("許可", "granted"),
        "deny": ("拒否", "denied"),
        "from": ("開始日時", "From"),
        "to": ("終了日時", "To"),
        "search": ("検索", "Search"),
        "clear": ("条件をクリア", "Clear"),
        "export": ("エクスポート", "Export"),
        "csvUTF8": ("CSV (UTF-8)", "CSV (UTF-8)"),
        "csvSJIS": ("CSV (Shift_JIS・Excel向け)", "CSV (Shift_JIS, for Excel)"),
        "json": ("JSON", "JSON"),
        "time": ("日時", "Time"),
        "sequence": ("番号", "No."),
        "kind": ("種類", "Kind"),
        "actor": ("実行者", "Actor"),
        "subject": ("対象", "Subject"),
        "reason": ("理由", "Reason"),
        "noEvents": ("該当するイベントはありません。", "No matching events."),
        "unknownEmployee": ("その社員番号の従業員はいません。", "No employee has that number."),
        "badDate": ("日時の形式が正しくありません。", "The date and time are not valid."),
        // Employees
        "employeesTitle": ("従業員", "Employees"),
        "employeesCaption": ("従業員一覧", "All employees"),
        "name": ("氏名", "Name"),
        "department": ("部署", "Department"),
        "site": ("拠点", "Site"),
        "status": ("状態", "Status"),
        "groups": ("アクセスグループ", "Access groups"),
        "groupsHint": ("カンマ区切り（例: staff,it）", "Comma-separated (e.g. staff,it)"),
        "status_active": ("在籍", "active"),
        "status_onLeave": ("休職", "on leave"),
        "status_retired": ("退職", "retired"),
        "newEmployee": ("従業員を登録", "Add an employee"),
        "newEmployeeTitle": ("従業員の登録", "Add an employee"),
        "save": ("登録", "Save"),
        "employeeCreated": ("従業員を登録しました。", "The employee was added."),
        "employeeNumberHint": ("個人番号（マイナンバー）は社員番号に使えません。", "A My Number may not be used as an employee number."),
        "duplicateNumber": ("その社員番号はすでに使われています。", "That employee number is already in use."),
        // People from the HR master (/employees/import)
        "pi_title": ("人事マスタの取り込み", "People from the HR master"),
        "pi_importLink": ("人事マスタを取り込む", "Import from the HR master"),
        "pi_choose": ("CSVファイルを選ぶ", "Choose a CSV file"),
        "pi_explain": ("人事・給与システムから書き出したCSV（UTF-8またはShift_JIS）を取り込みます。まず変更内容をプレビューし、確認してから反映します。社員番号で照合するので、同じファイルをもう一度取り込んでも何も変わりません。退職日のある人はその日の終わりにカードが使えなくなり、保管庫の保存期間が始まります（退職日の取り込みは管理者のみ）。",
                       "Imports a CSV (UTF-8 or Shift_JIS) exported from the HR or payroll system. It is previewed first and applied once you confirm. People are matched by employee number, so importing the same file again changes nothing. People with a leaving date lose access at the end of that day and the vault's retention starts (only an administrator imports leaving dates)."),
        "pi_myNumber": ("マイナンバーを含むファイルは取り込めません。マイナンバーは保管庫でのみ収集します。", "A file holding My Numbers is refused: numbers are collected through the vault only."),
        "pi_file": ("CSVファイル", "CSV file"),
        "pi_preset": ("列の並び", "Columns"),
        "pi_presetAuto": ("見出し行から判定", "From the header row"),
        "pi_preset_ja-hr": ("人事（社員番号・氏名・所属・勤務地・退職日・生年月日）", "HR (社員番号, 氏名, 所属, 勤務地, 退職日, 生年月日)"),
        "pi_preset_ja-payroll": ("給与（従業員番号・氏名・部署・事業所・退職年月日・在籍区分・生年月日）", "Payroll (従業員番号, 氏名, 部署, 事業所, 退職年月日, 在籍区分, 生年月日)"),
        "pi_preset_en": ("英語の見出し（employee_number, name, …）", "English headers (employee_number, name, …)"),
        "pi_previewButton": ("プレビュー", "Preview"),
        "pi_result": ("変更内容", "What changes"),
        "pi_new": ("新規", "New"),
        "pi_changed": ("変更", "Changed"),
        "pi_leaving": ("退職", "Leaving"),
        "pi_rebind": ("氏名・生年月日の変更でカードの再確認が必要", "Name or birth date changed: card needs its holder confirmed again"),
        "pi_rebindNote": ("カードが氏名・生年月日で結び付いているため、確認待ちに戻ります", "the card is bound by the name and birth date, so it goes back to pending"),
        "pi_unchanged": ("変更なし", "Unchanged"),
        "pi_refused": ("読めない行", "Lines refused"),
        "pi_rowsCaption": ("変更される人（最初の50人）", "People changed (the first 50)"),
        "pi_line": ("行", "Line"),
        "pi_kind": ("区分", "Kind"),
        "pi_changes": ("内容", "Changes"),
        "pi_field_name": ("氏名", "Name"),
        "pi_field_department": ("所属", "Department"),
        "pi_field_site": ("勤務地", "Site"),
        "pi_field_status": ("在籍区分", "Status"),
        "pi_field_birthDate": ("生年月日", "Birth date"),
        "pi_birthDateSet": ("登録", "set"),
        "pi_birthDateChanged": ("変更", "changed"),
        "pi_birthDatesNotRead": ("読まなかった登録済みの人の生年月日（変更は管理者のみ）", "Birth dates of people on record not read (an administrator's to change)"),
        "pi_leavingDate": ("退職日", "Leaving date"),
        "pi_lineErrors": ("読めなかった行", "Lines not read"),
        "pi_confirm": ("この内容で反映するには、同じファイルをもう一度選んでください（プレビューしたファイルと同じかを確かめます）。", "To apply these changes, choose the same file again (it is checked to be the file previewed)."),
        "pi_sameFile": ("同じCSVファイル", "The same CSV file"),
        "pi_applyButton": ("反映する", "Apply"),
        "pi_applied": ("取り込みました", "Imported"),
        // Cards
        "cardsTitle": ("カード", "Cards"),
        "cardsCaption": ("登録済みのカード（利用者証明用電子証明書）", "Enrolled cards (JPKI authentication certificates)"),
        "holder": ("所持者", "Holder"),
        "serial": ("シリアル番号", "Serial"),
        "issuer": ("発行者", "Issuer"),
        "validUntil": ("有効期限", "Valid until"),
        "state": ("状態", "State"),
        "actions": ("操作", "Actions"),
        "state_active": ("有効", "active"),
        "state_suspended": ("利用停止", "suspended"),
        "state_retired": ("失効（更新済み）", "retired (renewed)"),
        "state_pending": ("承認待ち", "waiting for approval"),
        "enrolledByNote": ("登録した担当者と日時:", "Enrolled by"),
        "retiredByNote": ("新しいカードを登録した担当者:", "replaced by a card enrolled by"),
        "approveCard": ("承認", "Approve"),
        "cardApproved": ("カードを承認しました（本人の受け入れ後に有効になります）。", "The card is approved (usable once the holder accepts it)."),
        "cardApprovalRefused": ("承認できません。登録した担当者や本人は承認できません。", "Not approved: the operator who enrolled the card, or its holder, cannot approve it."),
        "birthDate": ("生年月日", "Date of birth"),
        "birthDateHint": ("カード登録のとき、署名用電子証明書の氏名・生年月日と照合します。", "Matched with the name and birth date of the card's signing certificate at enrollment."),
        "passwordWrong": ("パスワードが違います。", "The password is wrong."),
        "acceptCard": ("自分のカードとして受け入れる", "Accept as my card"),
        "refuseCard": ("自分のカードではない", "Not my card"),
        "cardAccepted": ("カードを受け入れました。", "The card is accepted."),
        "cardRefused": ("カードを拒否しました。警備担当に記録されます。", "The card is refused; security sees it in the event log."),
        "emergencyCodeExplain": ("緊急コードがあれば、サインインできないときもカードを利用停止できます。新しく発行すると前のコードは使えなくなります。",
                                 "With the emergency code you can suspend your cards without signing in. Issuing a new one makes the previous one stop working."),
        "issueEmergencyCode": ("緊急コードを発行", "Issue an emergency code"),
        "emergencyCodeIssued": ("緊急コードを発行しました。", "The emergency code is issued."),
        "cardSignInHeading": ("カードでのサインイン", "Signing in with the card"),
        "cardSignInExplain": ("管理者・警備・人事のアカウントは、カードに加えてパスワードでサインインします。カードだけでサインインするには、ここで選んでください。",
                              "Admin, security and hr accounts sign in with the password as well as the card. Choose here to sign in with the card alone."),
        "cardSignInAlone": ("カードだけでサインインする", "Sign in with the card alone"),
        "cardSignInSaved": ("サインインの設定を保存しました。", "The sign-in setting is saved."),
        "suspend": ("利用停止", "Suspend"),
        "reinstate": ("利用再開", "Reinstate"),
        "cardSuspended": ("カードを利用停止しました。すべての扉で拒否されます。", "The card is suspended. Every door refuses it."),
        "cardReinstated": ("カードの利用を再開しました。", "The card is active again."),
        "noCards": ("カードはありません。", "No cards."),
        // Doors
        "outbox": ("未送信", "outbox"),
        "id": ("ID", "ID"),
        "workplaceBoundary": ("事業所の境界", "Workplace boundary"),
        "myNumberArea": ("個人番号取扱区域", "My Number handling area"),
        "antiPassback": ("アンチパスバック", "Anti-passback"),
        "fromZone": ("出る区域", "From zone"),
        "toZone": ("入る区域", "To zone"),
        "level_tap": ("かざし", "tap"),
        "level_genuine": ("カード本体確認（PINなし）", "genuine card (no PIN)"),
        "level_pin": ("PIN＋署名", "PIN + signature"),
        "level_default": ("既定", "default"),
        "grants": ("許可（区域・スケジュール）", "Grants (zone, schedule)"),
        "windows": ("時間帯", "Time windows"),
        "holidayRule": ("祝日", "Holidays"),
        // My cards
        "myCardsTitle": ("自分のカード", "My cards"),
        "myCardsCaption": ("あなたのカード", "Your cards"),
        "noOwnCards": ("登録されたカードはありません。", "You have no enrolled card."),
        "reportLost": ("紛失・盗難 — 利用停止", "Lost or stolen — suspend"),
        "lostExplain": ("カードを紛失した、または盗まれたときは、すぐに利用停止してください。2段階で確定します。",
                        "If your card is lost or stolen, suspend it now. It takes two steps."),
        "confirmTitle": ("利用停止の確認", "Confirm the suspension"),
        "confirmText": ("このカードを利用停止します。すべての扉で使えなくなります。5分以内に確定してください。",
                        "This card will be suspended and refused at every door. Confirm within 5 minutes."),
        "confirmButton": ("利用停止を確定する", "Yes, suspend the card"),
        "suspendedDone": ("カードを利用停止しました。再開は警備担当にご連絡ください。",
                          "Your card is suspended. Ask security to reinstate it if you find it."),
        "expiredRequest": ("確認の有効期限が切れたか、すでに処理されました。最初からやり直してください。",
                           "The confirmation expired or was already used. Start again."),
        // Lost card without signing in
        "lostCardTitle": ("カードの紛失・盗難", "Lost or stolen card"),
        "lostCardIntro": ("社員番号と、「自分のカード」ページで発行した緊急コードでカードを利用停止できます。",
                          "Suspend your card with your employee number and the emergency code you issued on your My cards page."),
        "emergencyCode": ("緊急コード", "Emergency code"),
        "next": ("次へ", "Next"),
        "wrongCode": ("社員番号または緊急コードが違います。", "The employee number or the emergency code is wrong."),
        "tooManyTries": ("試行回数が多すぎます。すぐに利用停止するには、24時間対応の警備デスクに連絡してください。",
                         "Too many attempts. To suspend the card now, call the 24-hour security desk."),
        "securityDesk": ("カードはいつでも24時間対応の警備デスクで利用停止できます。", "You can always have the card suspended by the 24-hour security desk."),
        "noActiveCard": ("利用停止できる有効なカードがありません。", "There is no active card to suspend."),
        // Enrollment
        "enrollTitle": ("カード登録（受付）", "Enrollment desk"),
        "enrollIntro": ("登録する従業員を選び、チャレンジを発行します。受付のカードリーダープログラムが、本人のPIN入力のあとカードでチャレンジに署名し、証明書とともに送信します。",
                        "Pick the employee and issue a challenge. The desk reader program has the card sign it after the person types the PIN, and sends the signature with the certificate."),
        "employee": ("従業員", "Employee"),
        "show": ("表示", "Show"),
        "issueChallenge": ("チャレンジを発行", "Issue a challenge"),
        "challengeHeading": ("チャレンジ", "Challenge"),
        "challengeId": ("チャレンジID", "Challenge id"),
        "digest": ("署名するダイジェスト (SHA-256, Base64)", "Digest to sign (SHA-256, Base64)"),
        "expiresAt": ("有効期限", "Expires at"),
        "readerExplain": ("受付リーダーのプログラムがこのチャレンジをカードに署名させ、POST /api/v1/enrollment に送ります。",
                          "The desk reader program has the card sign this challenge and sends it to POST /api/v1/enrollment."),
        "demoHeading": ("デモ用仮想カード", "Demo virtual card"),
        "demoCard": ("仮想カードファイル", "Virtual card file"),
        "demoEnroll": ("デモ用仮想カードで登録", "Enroll with the demo virtual card"),
        "demoExplain": ("デモでは、サーバーが仮想カードにデモPINを入力して署名させます。", "In the demo, the server types the demo PIN into a virtual card and has it sign."),
        "noDemoCards": ("未登録の仮想カードはありません。", "No virtual card is left unenrolled."),
        "enrolled": ("カードを登録しました。", "The card is enrolled."),
        "renewedCount": ("更新により失効した以前のカード", "Earlier cards retired by this renewal"),
        "emergencyCodeOnce": ("緊急コード（一度だけ表示します。控えてください）", "Emergency code (shown once; write it down)"),
        "emergencyCodeOwn": ("緊急コードは本人が「自分のカード」ページで発行します（窓口の担当者には表示されません）。",
                             "The emergency code is issued by the person on their own My cards page (it is never shown at the desk)."),
        "enrollPending": ("カードは承認待ちです（まだ利用できません）", "The card is waiting for approval (not usable yet)"),
        "enrollWaiting_approval": ("登録した担当者以外の管理者の承認が必要です。", "An administrator other than the operator must approve it."),
        "enrollWaiting_holder": ("本人が自分のアカウントでパスワードを入力して受け入れる必要があります。",
                                 "The holder must accept it in their own account with their password."),
    ]

    /// The catalogue in one language, as the templates read it (`#(t.signIn)`).
    package static func table(_ lang: PageLanguage) -> [String: String] {
        catalogue.mapValues { lang == .ja ? $0.ja : $0.en }
    }

    /// One message; an unknown key shows itself, so a typo is visible on the page rather than silent.
    package static func text(_ key: String, _ lang: PageLanguage) -> String {
        guard let m = catalogue[key] else { return key }
        return lang == .ja ? m.ja : m.en
    }
}
