/// The first-run page's texts (``SetupPage``), added to the catalogue at start.
enum SetupMessages {
    static let catalogue: [String: (ja: String, en: String)] = [
        "setupTitle": ("初期設定", "First-run setup"),
        "setupIntro": ("このサーバーにはまだアカウントがありません。サーバーのコンソールに表示された初期設定コードを入力し、最初の管理者を作成してください。初期設定は一度だけ行えます。",
                       "This server has no account yet. Enter the setup code the server printed on its console and create the first administrator. Setup runs once."),
        "setupCode": ("初期設定コード（コンソールに表示）", "Setup code (printed on the console)"),
        "setupUsername": ("最初の管理者のユーザー名", "First administrator's username"),
        "setupConfirm": ("パスワード（確認）", "Password (again)"),
        "setupButton": ("管理者を作成して初期設定を完了", "Create the administrator and finish setup"),
        "setupChecksHeading": ("このサーバーの設定", "What this server is configured with"),
        "setupOK": ("設定済み", "configured"),
        "setupWarning": ("要確認", "needs attention"),
        "setupBadCode": ("初期設定コードが違います。サーバーのコンソールに表示されたコードを入力してください。", "That is not the setup code this server printed on its console."),
        "setupPasswordsDiffer": ("2つのパスワードが一致しません。", "The two passwords differ."),
        "setupBadUsername": ("ユーザー名は1〜64文字の英数字と . _ - で入力してください。", "The username must be 1–64 characters: letters, digits, . _ -"),
        "setupShortPassword": ("パスワードは12文字以上にしてください。", "The password must be at least 12 characters."),
        "setupDone": ("初期設定が完了しました。作成した管理者でサインインしてください。", "Setup is complete. Sign in as the administrator you created."),
        "setup_trustAnchors": ("トラストアンカー（J-LISのルート証明書）", "Trust anchors (the J-LIS root certificates)"),
        "setup_trustAnchors_advice": ("J-LISの認証局証明書は、利用者証明検証者として登録した事業者、またはプラットフォーム事業者を通じて入手します。各証明書のSHA-256フィンガープリントを、J-LISから受け取った資料と独立した写し（例：jpki/mynaのsrc/ta）の両方と照合してから運用を始めてください。",
                                      "J-LIS gives its CA certificates to registered verifiers (利用者証明検証者) or through a certified platform operator. Compare each SHA-256 fingerprint with the documents J-LIS gave you and with an independent copy (for example jpki/myna's src/ta) before going live."),
        "setup_revocation": ("失効情報（CRL）", "Revocation (CRLs)"),
        "setup_revocation_advice": ("J-LISのCRLを mynagate trust crl import で取り込むと、失効したカードは自動で一時停止されます。", "Import J-LIS's CRLs with mynagate trust crl import: a revoked card is then suspended automatically."),
        "setup_tls": ("TLS", "TLS"),
        "setup_tls_advice": ("カードのチャレンジやパスワードを運ぶため、本番ではTLSが必要です。", "Production needs TLS: the pages carry passwords and card challenges."),
        "setup_vaultKey": ("マイナンバー保管庫の鍵", "The My Number vault's key"),
        "setup_vaultKey_advice": ("鍵ファイルはデータベースとは別の場所に保管し、バックアップも別にしてください。", "Keep the key file apart from the database, and back it up apart from it."),
    ]
}
