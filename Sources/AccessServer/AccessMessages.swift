/// The doors page's texts in Japanese and English (merged into the page catalogue by ``AccessFeature``).
/// Words other pages share (zone, door, name) stay in the core's catalogue.
enum AccessMessages {
    static let catalogue: [String: (ja: String, en: String)] = [
        "doorsTitle": ("扉・区域", "Doors and zones"),
        "zonesCaption": ("区域", "Zones"),
        "doorsCaption": ("扉とセキュリティレベル", "Doors and their security levels"),
        "doorAgent": ("扉制御装置（最終報告）", "Door agent (last heartbeat)"),
        "doorAgentSilent": ("報告なし", "not reporting"),
        "secondsAgo": ("秒前", "s ago"),
        "groupsCaption": ("アクセスグループ", "Access groups"),
        "schedulesCaption": ("スケジュール", "Schedules"),
        "configuredLevel": ("設定レベル", "Configured level"),
        "effectiveLevel": ("実効レベル", "Effective level"),
        "outside": ("屋外", "outside"),
        "changeLevel": ("変更", "Change"),
        "quarantineCaption": ("保留された扉イベント", "Quarantined door events"),
        "quarantineExplain": ("扉制御装置から届いたが、サーバーが裏付けられなかった記録です（未登録のカード、カードの持ち主と異なる人、未来や古すぎる時刻、その時点で無効なカード）。勤怠には数えません。",
                              "Events a door agent uploaded that the server could not vouch for (an unknown card, someone other than the card's holder, a time in the future or too old, a card not valid then). They never count as attendance."),
        "quarantineNone": ("保留されたイベントはありません。", "No quarantined events."),
        "quarantineReceived": ("受信", "Received"),
        "quarantineEventTime": ("扉の記録時刻", "Time the door gave"),
        "quarantineSerial": ("シリアル", "Serial"),
        "quarantineOutcome": ("扉の判定", "Door's decision"),
        "quarantineClaimed": ("扉が示した人", "Person the door named"),
        "quarantineHolder": ("カードの持ち主", "Card holder"),
        "quarantineWhy": ("保留の理由", "Why quarantined"),
        "levelChanged": ("扉のセキュリティレベルを変更しました。", "The door's security level was changed."),
    ]
}
