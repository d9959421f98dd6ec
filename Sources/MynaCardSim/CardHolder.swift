import MyNumber

/// The person a virtual card is issued to: the four basic items (基本4情報) printed on the front of a My
/// Number card, and the individual number printed on the back.
///
/// The digits are the card's own content (text application EF `0001`), so a card file may hold them; this
/// type still never shows them by accident: `description`, `debugDescription` and `dump` redact them.
public struct CardHolder: Codable, Sendable, Hashable {
    /// 性別 as the card's text application encodes it (DF25: 1 male, 2 female, 9 not applicable;
    /// the ISO/IEC 5218 codes).
    public enum Sex: String, Codable, Sendable, Hashable, CaseIterable {
        case male = "1"
        case female = "2"
        case notApplicable = "9"
    }

    /// 氏名 as the card's text application holds it: family and given name separated by an ideographic
    /// space U+3000, e.g. "番号　花子" (the real card in soltia48/myna-card `src/ap/text.rs` test
    /// `attributes_file`: `黒桐　幹也`).
    public var name: String
    /// 住所 as the card holds it: full-width digits and `－` (U+FF0D), e.g. the same real card's
    /// `東京都清瀬市観布子南１２－７－２０２`.
    public var address: String
    /// 生年月日 as 8 ASCII digits `YYYYMMDD` (Gregorian, as the text application stores it).
    public var birthDate: String
    /// 性別.
    public var sex: Sex
    /// The 12 digits of the individual number. Read it through ``myNumber`` wherever possible.
    public var myNumberDigits: String

    /// Creates a holder. The values are taken as given; ``myNumber`` validates the digits when read.
    public init(name: String, address: String, birthDate: String, sex: Sex, myNumberDigits: String) {
        self.name = name
        self.address = address
        self.birthDate = birthDate
        self.sex = sex
        self.myNumberDigits = myNumberDigits
    }

    /// The individual number as the privacy-preserving type of module `MyNumber`.
    ///
    /// - Throws: `NumberError` when ``myNumberDigits`` is not a valid individual number.
    public var myNumber: IndividualNumber {
        get throws { try IndividualNumber(myNumberDigits) }
    }

    /// The birth date's parts, or `nil` when ``birthDate`` is not 8 digits of a real calendar date.
    public var birthDateComponents: (year: Int, month: Int, day: Int)? {
        CivilDate(yyyymmdd: birthDate).map { ($0.year, $0.month, $0.day) }
    }
}

extension CardHolder: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    // The synthesized forms would print the digits; a holder that reaches a log must not.
    public var description: String {
        "CardHolder(name: \(name), birthDate: \(birthDate), sex: \(sex.rawValue), myNumber: \(IndividualNumber.redactionMarker))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "address": address, "birthDate": birthDate, "sex": sex],
               displayStyle: .struct)
    }
}

extension CardHolder {
    /// A plausible holder with a valid random individual number, for tests and demos that need many
    /// distinct cards. The name and address are drawn from small fixed lists and written as a real card
    /// writes them (U+3000 in the name; full-width digits and `－` in the address, see ``name`` and
    /// ``address``); the number is 11 random digits (first digit not 0, to avoid the all-zero number)
    /// followed by its check digit.
    public static func random(using generator: inout some RandomNumberGenerator) -> CardHolder {
        let surname = SampleData.surnames.randomElement(using: &generator)!
        let sex = Sex.allCases.filter { $0 != .notApplicable }.randomElement(using: &generator)!
        let given = (sex == .male ? SampleData.maleGivenNames : SampleData.femaleGivenNames)
            .randomElement(using: &generator)!
        let place = SampleData.places.randomElement(using: &generator)!
        let block = Int.random(in: 1...9, using: &generator)
        let lot = Int.random(in: 1...30, using: &generator)
        let house = Int.random(in: 1...20, using: &generator)
        let address = place.prefecture + place.city + place.town
            + [block, lot, house].map { Self.fullWidthDigits(String($0)) }.joined(separator: "\u{FF0D}")

        let year = Int.random(in: 1950...2006, using: &generator)
        let month = Int.random(in: 1...12, using: &generator)
        let day = Int.random(in: 1...CivilDate.daysIn(year: year, month: month), using: &generator)
        let birth = CivilDate(year: year, month: month, day: day).yyyymmdd

        var first11 = String(Int.random(in: 1...9, using: &generator))
        for _ in 0..<10 { first11 += String(Int.random(in: 0...9, using: &generator)) }
        // The input is exactly 11 ASCII digits, so this cannot fail.
        let check = (try? IndividualNumber.checkDigit(forFirst11: first11)) ?? 0
        return CardHolder(name: "\(surname)\u{3000}\(given)", address: address, birthDate: birth, sex: sex,
                          myNumberDigits: first11 + String(check))
    }

    /// `text` with its ASCII digits replaced by full-width ones (U+FF10–FF19), as the card writes
    /// numbers in an address.
    public static func fullWidthDigits(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { u in
            (0x30...0x39).contains(u.value) ? Unicode.Scalar(u.value + 0xFEE0) ?? u : u
        }))
    }

    /// ``random(using:)`` with the system generator.
    public static func random() -> CardHolder {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    /// The address's prefecture and municipality in the romanised form the signing certificate's subject
    /// uses (`L=Tokyo-to, L=Chiyoda-ku`), when the address starts with a place this module knows.
    var romanisedLocality: (prefecture: String, city: String)? {
        for place in SampleData.places where address.hasPrefix(place.prefecture + place.city) {
            return (place.prefectureRomaji, place.cityRomaji)
        }
        for place in SampleData.places where address.hasPrefix(place.prefecture) {
            return (place.prefectureRomaji, "")
        }
        return nil
    }
}

/// Fixed lists for ``CardHolder/random(using:)``. The romanisations follow the forms J-LIS uses in
/// signing certificate subjects (prefecture with `-to`/`-fu`/`-ken`, municipality with `-shi`/`-ku`).
enum SampleData {
    struct Place {
        let prefecture: String, prefectureRomaji: String, city: String, cityRomaji: String, town: String
    }

    static let surnames = ["番号", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林",
                           "加藤", "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "清水"]
    static let maleGivenNames = ["太郎", "一郎", "健太", "翔", "大輔", "拓也", "浩", "誠", "蓮", "悠真"]
    static let femaleGivenNames = ["花子", "陽子", "美咲", "さくら", "葵", "結衣", "真由美", "恵", "陽菜", "凛"]
    static let places: [Place] = [
        Place(prefecture: "東京都", prefectureRomaji: "Tokyo-to", city: "千代田区", cityRomaji: "Chiyoda-ku", town: "霞が関"),
        Place(prefecture: "東京都", prefectureRomaji: "Tokyo-to", city: "世田谷区", cityRomaji: "Setagaya-ku", town: "太子堂"),
        Place(prefecture: "神奈川県", prefectureRomaji: "Kanagawa-ken", city: "横浜市中区", cityRomaji: "Yokohama-shi Naka-ku", town: "山下町"),
        Place(prefecture: "大阪府", prefectureRomaji: "Osaka-fu", city: "大阪市北区", cityRomaji: "Osaka-shi Kita-ku", town: "梅田"),
        Place(prefecture: "愛知県", prefectureRomaji: "Aichi-ken", city: "名古屋市中区", cityRomaji: "Nagoya-shi Naka-ku", town: "栄"),
        Place(prefecture: "福岡県", prefectureRomaji: "Fukuoka-ken", city: "福岡市博多区", cityRomaji: "Fukuoka-shi Hakata-ku", town: "博多駅前"),
        Place(prefecture: "北海道", prefectureRomaji: "Hokkaido", city: "札幌市中央区", cityRomaji: "Sapporo-shi Chuo-ku", town: "北一条西"),
        Place(prefecture: "宮城県", prefectureRomaji: "Miyagi-ken", city: "仙台市青葉区", cityRomaji: "Sendai-shi Aoba-ku", town: "本町"),
        Place(prefecture: "京都府", prefectureRomaji: "Kyoto-fu", city: "京都市中京区", cityRomaji: "Kyoto-shi Nakagyo-ku", town: "河原町"),
        Place(prefecture: "沖縄県", prefectureRomaji: "Okinawa-ken", city: "那覇市", cityRomaji: "Naha-shi", town: "泉崎"),
    ]
}
