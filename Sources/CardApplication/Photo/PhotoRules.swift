/// The machine-checkable rules for a card application photo.
///
/// Source: J-LIS's rules for photos sent with an online application (マイナンバーカード総合サイト,
/// 「顔写真のチェックポイント」 and the web-application photo requirements), as relayed by public
/// pages found with the search tool — e.g. my-numberr.blog.so-net.ne.jp 2016-01-03 ("ファイル形式:jpeg,
/// ファイルサイズ:20KB~7MB, ピクセルサイズ:幅480~6000ピクセル、高さ480~6000ピクセル"), dime.jp
/// genre/945124 (the same, plus "RGBカラーのみ… CMYKカラーなどは使用できず"), and the paper rule
/// 縦4.5cm×横3.5cm, taken within the last 6 months (city.kazo.lg.jp 顔写真のチェックポイント,
/// the 2016 leaflet in the seed: 「最近6ヶ月以内に撮影」). The J-LIS page itself was not in the stored
/// corpus, so every number is a configurable default, not a constant.
///
/// Face position, background, shadows and glasses are rules too, but they need a person's eye:
/// the clerk's review covers them.
public struct PhotoRules: Sendable, Hashable, Codable {
    /// Accepted formats: JPEG only.
    public var acceptedFormats: Set<ImageFormat> = [.jpeg]
    /// Smallest file. "20KB" read as 20 × 1,024 bytes — the stricter reading, so a photo we accept is
    /// accepted under either reading.
    public var minBytes = 20 * 1024
    /// Largest file. "7MB" read as 7,000,000 bytes — again the stricter reading.
    public var maxBytes = 7_000_000
    /// Smallest width and height in pixels.
    public var minPixels = 480
    /// Largest width and height in pixels.
    public var maxPixels = 6000
    /// Height ÷ width of the printed photo: 45 mm ÷ 35 mm.
    public var heightOverWidth = 45.0 / 35.0
    /// Allowed relative difference from ``heightOverWidth`` (0.05 = 5 %). A portrait 3:4 phone photo
    /// (1.333, 3.7 % off) passes; 2:3 (1.5) and square photos do not. The cut to 45×35 is the
    /// employee's to make, so the check asks for it rather than cropping silently.
    public var proportionTolerance = 0.05
    /// The photo must have been taken within this many months.
    public var maxAgeMonths = 6
    /// Refuse CMYK (4-component) JPEGs: RGB only (greyscale is allowed).
    public var requireRGB = true

    public init() {}

    /// The defaults described above.
    public static let jlis = PhotoRules()
}
