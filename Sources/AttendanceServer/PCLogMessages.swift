import ServerCore
/// The PC-log page's texts, merged into ``Messages/catalogue`` with the attendance texts.
enum PCLogMessages {
    static let catalogue: [String: (ja: String, en: String)] = [
        "pclog_title": ("PCログと入退場記録・自己申告の乖離", "PC logs beside the door record and the self-report"),
        "pclog_link": ("PCログの乖離", "PC log gaps"),
        "pclog_explain": ("労働時間の適正な把握のためのガイドライン(平29.1.20 基発0120第3号)は、パソコンの使用時間の記録を客観的な記録の一つとし、自己申告と客観的な記録に乖離があるときは実態調査を求めています(4(3))。PCのログオン・ロック解除からログオフ・ロックまでを人・日ごとにまとめ、入退場記録(最初の入場〜最後の退出)や自己申告の外に許容差を超えてPCの使用がある日と、入退場記録のない日のPC使用を示します。労働時間そのものは変えません。",
                          "The 2017 guideline on ascertaining working time (基発0120第3号) counts PC usage records among the objective records, and asks for an investigation of the real working time when the self-report and the objective records diverge (4(3)). Each person's day at the PC runs from the first logon or unlock to the last logoff or lock; this page shows days where the PC was in use outside the door presence (first entry to last exit) or the self-reported hours by more than the margin, and PC use on days with no door record. It never changes the working time."),
        "pclog_gaps": ("PCの使用と入退場記録・自己申告の乖離(調査が必要)", "PC use outside the door record or the self-report (to investigate)"),
        "pclog_margin": ("許容差(分)", "Margin (minutes)"),
        "pclog_noGaps": ("この月に乖離はありません。", "No gap this month."),
        "pclog_kind": ("種類", "Kind"),
        "pclog_kind_outside_door": ("入退場記録の外", "Outside the door record"),
        "pclog_kind_no_door_record": ("入退場記録なし", "No door record"),
        "pclog_kind_outside_self_report": ("自己申告の外", "Outside the self-report"),
        "pclog_tasks": ("未完了の実態調査", "Open investigations"),
        "pclog_tasksExplain": ("乖離ごと(人・日・種類ごとに1件)に調査タスクを作ります。調査の結果をメモに書いて完了にしてください(個人番号のような12桁の数字は書けません)。",
                               "Each gap (one per person, day and kind) gets an investigation task. Resolve it with a note of what was found (a 12-digit number, such as a My Number, is refused)."),
        "pclog_noTasks": ("未完了の調査はありません。", "No open investigation."),
        "pclog_note": ("調査結果のメモ", "Note of the findings"),
        "pclog_resolve": ("完了にする", "Resolve"),
        "pclog_resolved": ("調査を完了にしました。", "The investigation is resolved."),
        "pclog_import": ("PCログ(CSV)を取り込む", "Import a PC log (CSV)"),
        "pclog_csvFormat": ("「社員番号,日時,種別[,PC名]」。日時は 2026-04-01 08:55(日本時間)か 2026-04-01T08:55:00+09:00、種別は logon・logoff・lock・unlock(ログオン・ログオフも可)。見出し行は省略可。同じ人・同じ日時・同じ種別の行は一度だけ記録します。",
                            "Employee number, time, event[, PC name]. Time as 2026-04-01 08:55 (Japan time) or 2026-04-01T08:55:00+09:00; event logon, logoff, lock or unlock. A header line is optional. A line for the same person, time and event is stored once."),
        "pclog_imported": ("読んだ行 / 追加した記録 / 作った調査タスク", "Lines read / events added / tasks opened"),
    ]
}
