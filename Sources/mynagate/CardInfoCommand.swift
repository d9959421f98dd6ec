import ArgumentParser
import Foundation
import MynaCard

/// `mynagate card info`: the basic 4 items from the text application; the number stays masked.
struct CardInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Read the basic 4 items (name, address, birth date, sex) with the text application's PIN.",
        discussion: """
            The My Number is read and checked (check digit) but shown masked. --reveal-number shows it; \
            use that only where the law allows (個人番号関係事務), never to identify a person.
            """
    )

    @Flag(help: "Show the My Number instead of a mask.") var revealNumber = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func run() async throws {
        try await reportingCardErrors {
            // The text PIN is presented: exclusive, so no other program reads the unlocked number
            // between our transactions (CardOptions.open).
            let c = try await card.open(presentsPIN: true)
            let tries = try await c.text.triesLeft().value
            let (pin, attempt) = try pins.obtain(.text, label: "券面事項入力補助用PIN / text PIN", triesLeft: tries)
            _ = try await c.text.verify(pin, attempt: attempt)
            let items = try await c.text.basicFourItems().value
            let number = try await c.text.myNumber().value
            let shown = revealNumber ? number.revealDigits() : "************"
            let sex = ["1": "男性 / male", "2": "女性 / female", "9": "適用不能 / not applicable"][items.sex] ?? items.sex
            if json {
                let obj: [String: Any] = [
                    "name": items.name, "address": items.address, "birthDate": items.birthDate, "sex": items.sex,
                    "myNumber": shown, "myNumberValid": true,
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("氏名 name:        \(items.name)")
                print("住所 address:     \(items.address)")
                print("生年月日 birth:   \(items.birthDate)")
                print("性別 sex:         \(sex)")
                print("個人番号 number:  \(shown) (check digit valid)")
            }
        }
    }
}
