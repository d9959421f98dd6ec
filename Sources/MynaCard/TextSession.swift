import MyNumber
import SmartCard

/// The text application (券面事項入力補助): the My Number and the basic 4 items, after its 4-digit PIN.
///
/// Reading the number here is number confirmation and identity confirmation by one card (番号法16条).
/// The responses that carry the number or the 4 items are marked secret, so a trace shows neither.
public struct TextSession: Sendable {
    let card: MynaCard

    /// Tries left for the text PIN, without spending one.
    public func triesLeft() async throws(MynaCardError) -> Measured<Int> {
        try await card.exclusive { card in try await card.triesLeft(.text) }
    }

    /// Verifies the text PIN under the PIN rules (see ``JPKISession/verify(_:attempt:)``).
    public func verify(_ pin: PIN, attempt: PINAttempt = .normal) async throws(MynaCardError) -> Measured<Void> {
        guard pin.kind == .text else { throw .pinFormatInvalid(.text) }
        return try await card.exclusive { card in try await card.verify(pin, attempt: attempt) }
    }

    /// The My Number, from EF `0001` (`FF 10 0C` + 12 ASCII digits). Needs the PIN verified.
    public func myNumber() async throws(MynaCardError) -> Measured<IndividualNumber> {
        try await card.exclusive { card in
            let bytes = try await card.readTLVFile(EF.myNumber, in: .text, secret: true, protectedBy: .text)
            let tlv: BERTLV
            do { tlv = try BERTLV.parseFirst(bytes) } catch { throw MynaCardError.malformedData("number file: \(error)") }
            guard tlv.tag == 0xFF10 else { throw MynaCardError.malformedData("number file has tag \(String(tlv.tag, radix: 16))") }
            switch IndividualNumber.check(String(decoding: tlv.value, as: UTF8.self)) {
            case .success(let number): return number
            // The error names what is wrong (length, check digit), never the digits.
            case .failure(let error): throw MynaCardError.malformedData("number on the card: \(error.message)")
            }
        }
    }

    /// The basic 4 items (基本4情報) from EF `0002`. Needs the PIN verified.
    public func basicFourItems() async throws(MynaCardError) -> Measured<BasicFourItems> {
        try await card.exclusive { card in
            let bytes = try await card.readTLVFile(EF.basicFourItems, in: .text, secret: true, protectedBy: .text)
            return try BasicFourItems(tlvFile: bytes)
        }
    }

    /// The My Number and the 4 items with what the card's integrity record says about them: reads EF
    /// `0001` (whole, filler included), `0002`, `0003` and `0004`, and checks them with
    /// ``TextIntegrity/check(_:issuers:)`` against `issuers` (the card-verifiable CAs this reader trusts).
    /// Needs the PIN verified. A mismatch is not thrown: it is in the result, for the caller to refuse or
    /// record; the files come back too, so a server can check them itself.
    public func readWithIntegrity(issuers: CVCIssuers) async throws(MynaCardError) -> Measured<TextReading> {
        try await card.exclusive { card in
            try await card.selectEF(EF.myNumber, in: .text)
            let numberFile = try await card.readWholeFile(secret: true, protectedBy: .text)
            let fourItems = try await card.readTLVFile(EF.basicFourItems, in: .text, secret: true, protectedBy: .text)
            let record = try await card.readTLVFile(EF.textSignature, in: .text, secret: true, protectedBy: .text)
            // A card without EF 0004 gets `.mismatch(.noCertificate)` from the check, not an error here.
            let certificate: [UInt8]? = try await card.hasEF(EF.textCertificate, in: .text)
                ? try await card.readTLVFile(EF.textCertificate, in: .text) : nil
            let files = TextApplicationFiles(numberFile: numberFile, fourItemsFile: fourItems, integrityRecord: record, certificate: certificate)
            return TextReading(number: try Self.number(inFile: numberFile), items: try BasicFourItems(tlvFile: fourItems),
                               integrity: TextIntegrity.check(files, issuers: issuers), files: files)
        }
    }

    /// The number in an EF `0001` image (`FF 10 0C` + 12 digits, filler after it).
    static func number(inFile bytes: [UInt8]) throws(MynaCardError) -> IndividualNumber {
        let tlv: BERTLV
        do { tlv = try BERTLV.parseFirst(bytes) } catch { throw MynaCardError.malformedData("number file: \(error)") }
        guard tlv.tag == 0xFF10 else { throw MynaCardError.malformedData("number file has tag \(String(tlv.tag, radix: 16))") }
        switch IndividualNumber.check(String(decoding: tlv.value, as: UTF8.self)) {
        case .success(let number): return number
        case .failure(let error): throw MynaCardError.malformedData("number on the card: \(error.message)")
        }
    }

    /// The raw integrity record EF `0003` (`FF 30 { DF31, DF32, DF33 }`); ``readWithIntegrity(issuers:)``
    /// checks it. Needs the PIN verified.
    public func signatureData() async throws(MynaCardError) -> Measured<[UInt8]> {
        try await card.exclusive { card in
            try await card.readTLVFile(EF.textSignature, in: .text, secret: true, protectedBy: .text)
        }
    }

    /// The raw card-verifiable certificate EF `0004` (`7F21`, not X.509). No PIN needed.
    public func certificate() async throws(MynaCardError) -> Measured<[UInt8]> {
        try await card.exclusive { card in
            try await card.readTLVFile(EF.textCertificate, in: .text)
        }
    }
}

/// A reading of the text application with its integrity verdict. Holds the My Number: never log it.
public struct TextReading: Sendable, CustomStringConvertible {
    public let number: IndividualNumber
    public let items: BasicFourItems
    /// What EF `0003` says about ``number`` and ``items``.
    public let integrity: TextIntegrity
    /// The files as read, for a server to check itself.
    public let files: TextApplicationFiles

    /// Parses `files` and checks them (what a server does with files a client posted).
    ///
    /// - Throws: ``MynaCardError/malformedData(_:)`` when the number or 4-items file does not parse.
    public init(files: TextApplicationFiles, issuers: CVCIssuers) throws(MynaCardError) {
        self.init(number: try TextSession.number(inFile: files.numberFile), items: try BasicFourItems(tlvFile: files.fourItemsFile),
                  integrity: TextIntegrity.check(files, issuers: issuers), files: files)
    }

    init(number: IndividualNumber, items: BasicFourItems, integrity: TextIntegrity, files: TextApplicationFiles) {
        self.number = number
        self.items = items
        self.integrity = integrity
        self.files = files
    }

    public var description: String { "TextReading(<redacted>, integrity: \(integrity.code))" }
}

/// The basic 4 items (基本4情報) as the card's text application holds them.
public struct BasicFourItems: Sendable, Hashable, Codable {
    /// Name as on the card (UTF-8).
    public var name: String
    /// Address as on the card (UTF-8).
    public var address: String
    /// Birth date, `YYYYMMDD`.
    public var birthDate: String
    /// Sex code: `1` male, `2` female, `9` not applicable (ISO/IEC 5218 codes, as the card uses).
    public var sex: String

    public init(name: String, address: String, birthDate: String, sex: String) {
        self.name = name
        self.address = address
        self.birthDate = birthDate
        self.sex = sex
    }

    /// Parses `FF 20 len { DF21 header, DF22 name, DF23 address, DF24 birth, DF25 sex }`.
    init(tlvFile bytes: [UInt8]) throws(MynaCardError) {
        do {
            let outer = try BERTLV.parseFirst(bytes)
            guard outer.tag == 0xFF20 else { throw MynaCardError.malformedData("4-items file has tag \(String(outer.tag, radix: 16))") }
            let items = try outer.children()
            func text(_ tag: UInt32) throws(MynaCardError) -> String {
                guard let v = items.first(where: { $0.tag == tag })?.value else {
                    throw MynaCardError.malformedData("4-items file lacks \(String(tag, radix: 16, uppercase: true))")
                }
                return String(decoding: v, as: UTF8.self)
            }
            self.init(name: try text(0xDF22), address: try text(0xDF23), birthDate: try text(0xDF24), sex: try text(0xDF25))
        } catch let e as MynaCardError {
            throw e
        } catch {
            throw .malformedData("4-items file: \(error)")
        }
    }
}
