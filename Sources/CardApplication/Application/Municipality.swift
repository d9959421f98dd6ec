/// A city, ward or town of residence (市区町村): the unit a city's staff accept applications for,
/// because each city receives only its own residents' applications (case 2 of the leaflet).
public struct Municipality: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The prefecture (都道府県), when known: 府中市 exists in Tokyo and in Hiroshima.
    public var prefecture: String?
    /// The municipality's name as written (e.g. 横浜市, 千代田区, 西多摩郡奥多摩町 → 奥多摩町).
    public var city: String

    public init(prefecture: String? = nil, city: String) {
        self.prefecture = prefecture
        self.city = city
    }

    /// A key for grouping: prefecture and city.
    public var key: String { (prefecture ?? "") + city }
    public var description: String { key }
    public static func < (a: Municipality, b: Municipality) -> Bool { a.key < b.key }

    /// The 47 prefectures, to split the prefecture off an address exactly (a suffix rule would cut
    /// 京都府 at 都).
    public static let prefectures: [String] = [
        "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
        "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
        "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
        "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
        "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
    ]

    /// Finds the municipality at the start of a Japanese address, or `nil` when it cannot tell.
    ///
    /// A heuristic, not a gazetteer (no official municipality list ships with MynaGate): the prefecture
    /// is matched exactly; a designated city's ward belongs to the city (横浜市中区 → 横浜市, whose
    /// staff would come); Tokyo's special wards are municipalities (千代田区); in a county (郡) the town
    /// or village after it is the municipality. Names that contain 市, 町 or 郡 are handled
    /// (四日市市, 廿日市市, 市川市, 町田市, 十日町市, 郡山市, 大和郡山市). When the guess is wrong
    /// the application's explicit city field wins.
    public static func parse(address: String) -> Municipality? {
        var rest = Substring(address.trimmingWhitespace())
        var prefecture: String?
        if let p = prefectures.first(where: { rest.hasPrefix($0) }) {
            prefecture = p
            rest = rest.dropFirst(p.count)
        }
        let chars = Array(rest)
        func firstIndex(of c: Character, from start: Int) -> Int? {
            guard start < chars.count else { return nil }
            return chars[start...].firstIndex(of: c)
        }
        // The first 市 not at the start (市川市), extended over a doubled 市 (四日市市, 野々市市).
        var cityEnd: Int? = firstIndex(of: "市", from: 1)
        if let e = cityEnd, e + 1 < chars.count, chars[e + 1] == "市" { cityEnd = e + 1 }
        let wardEnd = firstIndex(of: "区", from: 1)
        let county = firstIndex(of: "郡", from: 1)
        let townEnd: (Int) -> Int? = { start in
            [firstIndex(of: "町", from: start + 1), firstIndex(of: "村", from: start + 1)].compactMap { $0 }.min()
        }

        // County: 〇〇郡△△町. Not a county when a 市 follows with no 町/村 in between (大和郡山市).
        if let g = county, g < (cityEnd ?? Int.max), let t = townEnd(g), t < (cityEnd ?? Int.max) {
            return Municipality(prefecture: prefecture, city: String(chars[(g + 1)...t]))
        }
        // Special ward of Tokyo (or any address whose first unit is a 区 with no 市 before it).
        if let w = wardEnd, w < (cityEnd ?? Int.max), prefecture == nil || prefecture == "東京都" {
            return Municipality(prefecture: prefecture ?? "東京都", city: String(chars[...w]))
        }
        if let c = cityEnd {
            return Municipality(prefecture: prefecture, city: String(chars[...c]))
        }
        if let t = townEnd(0) {
            return Municipality(prefecture: prefecture, city: String(chars[...t]))
        }
        return nil
    }
}

extension String {
    /// Trims spaces, including the full-width space people type in Japanese forms.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
