import Access

/// One finding about an uploaded photo: a code, a severity, and sentences in Japanese and English.
public struct PhotoIssue: Sendable, Hashable, Codable, BilingualMessage {
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The photo cannot be used.
        case error
        /// Worth telling, not a refusal (e.g. no date in the file, so the clerk must ask).
        case notice
    }

    public enum Kind: Sendable, Hashable, Codable {
        case empty
        case unreadable
        case truncated
        case wrongFormat(ImageFormat)
        case fileTooSmall(bytes: Int, min: Int)
        case fileTooLarge(bytes: Int, max: Int)
        case tooFewPixels(width: Int, height: Int, min: Int)
        case tooManyPixels(width: Int, height: Int, max: Int)
        case wrongProportions(width: Int, height: Int)
        case notRGB(components: Int)
        case tooOld(taken: CivilDate, limit: CivilDate)
        case takenInFuture(taken: CivilDate)
        case dateUnknown
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var severity: Severity {
        if case .dateUnknown = kind { return .notice }
        return .error
    }

    public var code: String {
        switch kind {
        case .empty: return "photo_empty"
        case .unreadable: return "photo_unreadable"
        case .truncated: return "photo_truncated"
        case .wrongFormat: return "photo_wrong_format"
        case .fileTooSmall: return "photo_file_too_small"
        case .fileTooLarge: return "photo_file_too_large"
        case .tooFewPixels: return "photo_too_few_pixels"
        case .tooManyPixels: return "photo_too_many_pixels"
        case .wrongProportions: return "photo_wrong_proportions"
        case .notRGB: return "photo_not_rgb"
        case .tooOld: return "photo_too_old"
        case .takenInFuture: return "photo_date_in_future"
        case .dateUnknown: return "photo_date_unknown"
        }
    }

    public var japaneseMessage: String {
        switch kind {
        case .empty: return "ファイルが空です。"
        case .unreadable: return "画像として読み取れません。JPEG形式の写真を選んでください。"
        case .truncated: return "ファイルが途中で切れています。もう一度アップロードしてください。"
        case .wrongFormat(let f): return "\(f.displayName)形式の画像です。JPEG形式（.jpg）で保存し直してください。"
        case .fileTooSmall(let b, let m): return "ファイルサイズが小さすぎます（\(kb(b))）。\(kb(m))以上にしてください。"
        case .fileTooLarge(let b, let m): return "ファイルサイズが大きすぎます（\(mb(b))）。\(mb(m))以下にしてください。"
        case .tooFewPixels(let w, let h, let m): return "画像が小さすぎます（幅\(w)×高さ\(h)ピクセル）。幅・高さとも\(m)ピクセル以上必要です。"
        case .tooManyPixels(let w, let h, let m): return "画像が大きすぎます（幅\(w)×高さ\(h)ピクセル）。幅・高さとも\(m)ピクセル以下にしてください。"
        case .wrongProportions(let w, let h): return "縦横の比率が合いません（幅\(w)×高さ\(h)）。縦45mm×横35mmの比率（縦長）に切り抜いてください。"
        case .notRGB: return "CMYKカラーの画像は使えません。RGBカラーで保存し直してください。"
        case .tooOld(let t, let l): return "撮影日（\(t)）が6か月より前です（\(l)以降に撮影したものが必要です）。撮り直してください。"
        case .takenInFuture(let t): return "撮影日（\(t)）が未来になっています。カメラの日付設定を確認してください。"
        case .dateUnknown: return "撮影日がファイルに記録されていません。6か月以内に撮影した写真であることを確認してください。"
        }
    }

    public var englishMessage: String {
        switch kind {
        case .empty: return "The file is empty."
        case .unreadable: return "This is not a readable image. Please choose a JPEG photo."
        case .truncated: return "The file is cut off. Please upload it again."
        case .wrongFormat(let f): return "This is a \(f.displayName) image. Please save it as JPEG (.jpg)."
        case .fileTooSmall(let b, let m): return "The file is too small (\(kb(b))); it must be at least \(kb(m))."
        case .fileTooLarge(let b, let m): return "The file is too large (\(mb(b))); it must be at most \(mb(m))."
        case .tooFewPixels(let w, let h, let m): return "The image is too small (\(w)×\(h) pixels); width and height must each be at least \(m) pixels."
        case .tooManyPixels(let w, let h, let m): return "The image is too large (\(w)×\(h) pixels); width and height must each be at most \(m) pixels."
        case .wrongProportions(let w, let h): return "The proportions are wrong (\(w)×\(h)). Crop the photo to 45 mm high × 35 mm wide (portrait)."
        case .notRGB: return "CMYK images cannot be used. Please save the photo in RGB colour."
        case .tooOld(let t, let l): return "The photo was taken on \(t), more than 6 months ago (it must be taken on or after \(l)). Please take a new one."
        case .takenInFuture(let t): return "The photo's date (\(t)) is in the future. Please check the camera's clock."
        case .dateUnknown: return "The file has no date taken. Please make sure the photo was taken within the last 6 months."
        }
    }

    private func kb(_ b: Int) -> String { "\(b / 1024)KB" }
    private func mb(_ b: Int) -> String {
        let tenths = (b * 10 + 500_000) / 1_000_000
        return "\(tenths / 10).\(tenths % 10)MB"
    }
}
