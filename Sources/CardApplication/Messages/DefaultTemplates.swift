/// The default texts, in Japanese and English, that a company edits before use.
///
/// The benefits are the ones the 2016 flyers in the seed list (certificates at convenience stores,
/// Mynaportal, a free photo ID, fewer documents for the year-end adjustment). The company's use is
/// the card's IC chip as the employee and entry card (seed section (3), 社員証・入退館証): MynaGate
/// reads only the chip's user-authentication certificate, which holds no personal data. The texts
/// say plainly that the My Number itself is not used as an ID (番号法9条) and that applying is
/// voluntary.
///
/// Placeholders: `{name}`, `{company}`, `{contact}`, `{deadline}` (campaign); `{noticeDate}`,
/// `{days}`, `{cityOffice}` (reminder); `{date}`, `{time}`, `{place}`, `{city}` (session).
public enum DefaultTemplates {
    /// Every placeholder the defaults use, for ``MessageTemplate/unknownPlaceholders(known:)``.
    public static let knownPlaceholders: Set<String> = ["name", "company", "contact", "deadline", "noticeDate", "days", "cityOffice", "date", "time", "place", "city"]

    /// All default templates.
    public static let all: [MessageTemplate] = [campaignJapanese, campaignEnglish, reminderJapanese, reminderEnglish, sessionJapanese, sessionEnglish]

    /// The default for a kind and language.
    public static func template(_ kind: MessageTemplateKind, _ language: MessageLanguage) -> MessageTemplate {
        all.first { $0.kind == kind && $0.language == language }!
    }

    public static let campaignJapanese = MessageTemplate(
        kind: .campaign, language: .japanese,
        subject: "マイナンバーカードを社員証として使えます（申請のご案内）",
        body: """
        {name} 様

        {company}では、マイナンバーカードを社員証・入館証として使えるようにしました。
        カードをお持ちでない方のために、会社でまとめて申請する「一括申請」を行います。申請は任意です。

        ■ マイナンバーカードでできること
        ・顔写真付きの公的な身分証明書になります（発行手数料は無料です）
        ・住民票の写しや印鑑登録証明書をコンビニで取得できます
        ・マイナポータルにログインして、行政手続をオンラインでできます
        ・e-Taxによる確定申告などに使えます

        ■ 会社での使い方
        ・カードのICチップにある電子証明書で、入退館とドアの解錠を行います
        ・マイナンバー（個人番号）そのものを社員番号や入館の識別に使うことはありません（法律で禁止されています）。
          会社がこの用途でマイナンバーを記録することもありません
        ・ICチップには税や年金などの情報は記録されていません

        ■ 申請のしかた
        社内ポータルの「マイナンバーカード申請」から、{deadline}までにお申し込みください。

        お問い合わせ: {contact}
        """)

    public static let campaignEnglish = MessageTemplate(
        kind: .campaign, language: .english,
        subject: "Use your My Number card as your employee ID (how to apply)",
        body: """
        Dear {name},

        {company} now accepts the My Number card as the employee ID and building entry card.
        For those who do not have a card yet, we are organising a bulk application through the company. Applying is voluntary.

        What the card gives you
        - An official photo ID (issued free of charge)
        - Certificates of residence and seal registration at convenience stores
        - Login to Mynaportal for online government procedures
        - Tax filing with e-Tax

        How the company uses it
        - The electronic certificate in the card's IC chip opens doors and records entry and exit
        - Your My Number (individual number) itself is never used as an employee ID or for entry (the law forbids it),
          and the company does not record it for this purpose
        - The chip holds no tax or pension information

        How to apply
        Apply from "My Number card application" on the intranet by {deadline}.

        Questions: {contact}
        """)

    public static let reminderJapanese = MessageTemplate(
        kind: .pickupReminder, language: .japanese,
        subject: "マイナンバーカードの受け取りをお忘れなく",
        body: """
        {name} 様

        {noticeDate}に交付通知書が届いてから{days}日がたちました。
        交付通知書と本人確認書類を持って、{cityOffice}でカードをお受け取りください。
        受け取ったカードは、社員証として登録できます。

        お問い合わせ: {contact}
        """)

    public static let reminderEnglish = MessageTemplate(
        kind: .pickupReminder, language: .english,
        subject: "Please pick up your My Number card",
        body: """
        Dear {name},

        Your notice (交付通知書) arrived on {noticeDate}, {days} days ago.
        Please take the notice and your identity documents to {cityOffice} to receive your card.
        Once you have it, you can enrol it as your employee card.

        Questions: {contact}
        """)

    public static let sessionJapanese = MessageTemplate(
        kind: .sessionInvitation, language: .japanese,
        subject: "{city}の職員による出張申請受付のご案内（{date}）",
        body: """
        {name} 様

        {city}の職員が会社に来て、マイナンバーカードの申請を受け付けます。
        日時: {date} {time}
        場所: {place}

        本人確認書類（顔写真付きのもの1点、または顔写真のないもの2点）と、お持ちの方は交付申請書をお持ちください。
        カードは後日、本人限定受取郵便でご自宅に届きます。市区町村の窓口に行く必要はありません。

        お問い合わせ: {contact}
        """)

    public static let sessionEnglish = MessageTemplate(
        kind: .sessionInvitation, language: .english,
        subject: "On-site card applications with {city} staff ({date})",
        body: """
        Dear {name},

        Staff of {city} will come to the company to accept My Number card applications.
        Date: {date} {time}
        Place: {place}

        Please bring identity documents (one with your photo, or two without) and your application form (交付申請書) if you have it.
        The card will be sent to your home by registered post for the addressee only (本人限定受取郵便); no visit to the city office is needed.

        Questions: {contact}
        """)
}
