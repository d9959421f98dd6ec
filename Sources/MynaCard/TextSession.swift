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

    /// The raw signature EF `0003` (`FF 30 { DF31, DF32, DF33 }`). What it signs is not public
    /// (docs/CARD.md), so MynaGate returns it as bytes. Needs the PIN verified.
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
