import ServerCore
/// The texts of the card-as-photo-ID page (`/photo-id`), merged into ``Messages/catalogue``.
enum PhotoIDMessages {
    static let catalogue: [String: (ja: String, en: String)] = [
        "nav_photoID": ("本人確認（カード提示）", "Card as photo ID"),
        "photoIDTitle": ("マイナンバーカードによる本人確認の記録", "Record of the My Number card shown as photo ID"),
        "photoIDIntro": ("マイナンバーカードを写真付き本人確認書類として確認したときに記録します。確認するのは表面だけです。個人番号（裏面）は見ず、控えず、コピーもしません。",
                         "Record here when a My Number card is checked as photo ID. Only the front side is checked: the number on the back is never looked at, written down or copied."),
        "photoIDIssuer": ("発行者（表面の記載）", "Issuer (as printed on the front)"),
        "photoIDIssuerExample": ("例：千代田区長", "e.g. 千代田区長"),
        "photoIDValidUntil": ("有効期限", "Valid until"),
        "photoIDOccasion": ("確認の目的", "Occasion"),
        "photoIDOccasionExample": ("例：入館証の発行", "e.g. issuing a building pass"),
        "photoIDFrontOnly": ("画像は保存しません（表面のみ・裏面は不可）。", "No image is kept (front side only; never the back)."),
        "photoIDRecord": ("記録する", "Record"),
        "photoIDSaved": ("本人確認を記録しました", "The identity check was recorded"),
        "photoIDNone": ("まだ記録はありません。", "No checks recorded yet."),
        "photoIDListTitle": ("最近の記録（200件まで）", "Recent checks (up to 200)"),
        "photoIDCheckedAt": ("確認日時", "Checked at"),
        "photoIDCheckedBy": ("確認者", "Checked by"),
    ]
}
