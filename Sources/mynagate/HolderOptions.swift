import ArgumentParser
import MynaCardSim

/// The card holder's data for a virtual card, shared by `vcard new` and `pki issue` so both accept
/// and check the same options. Anything not given is made up (with a valid random number).
struct HolderOptions: ParsableArguments {
    @Option(help: "The holder's name; a real card separates family and given name with U+3000, e.g. \"番号　花子\" (default: made up).")
    var name: String?

    @Option(help: "The holder's address; a real card writes full-width digits and －, e.g. \"東京都千代田区霞が関１－２－３\" (default: made up).")
    var address: String?

    @Option(help: ArgumentHelp("The holder's birth date (default: made up).", valueName: "YYYYMMDD"))
    var birth: String?

    @Option(help: ArgumentHelp("The holder's sex: male, female or not-applicable (default: made up).", valueName: "SEX"))
    var sex: String?

    func validate() throws {
        if let birth, !(birth.utf8.count == 8 && birth.utf8.allSatisfy { (0x30...0x39).contains($0) }) {
            throw ValidationError("--birth must be 8 digits YYYYMMDD")
        }
        if let sex, Self.parseSex(sex) == nil {
            throw ValidationError("--sex must be male, female or not-applicable")
        }
        if let name, name.isEmpty { throw ValidationError("--name must not be empty") }
        if let address, address.isEmpty { throw ValidationError("--address must not be empty") }
    }

    /// The options as command-line arguments, to hand on to another command.
    var arguments: [String] {
        var a: [String] = []
        if let name { a += ["--name", name] }
        if let address { a += ["--address", address] }
        if let birth { a += ["--birth", birth] }
        if let sex { a += ["--sex", sex] }
        return a
    }

    /// `holder` with the given options applied.
    func applied(to holder: CardHolder) -> CardHolder {
        var h = holder
        if let name { h.name = name }
        if let address { h.address = address }
        if let birth { h.birthDate = birth }
        if let sex, let parsed = Self.parseSex(sex) { h.sex = parsed }
        return h
    }

    static func parseSex(_ text: String) -> CardHolder.Sex? {
        switch text.lowercased() {
        case "male", "m", "1": return .male
        case "female", "f", "2": return .female
        case "not-applicable", "na", "9": return .notApplicable
        default: return nil
        }
    }
}
