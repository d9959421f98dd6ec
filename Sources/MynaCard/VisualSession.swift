import SmartCard

/// The visual application (券面事項確認): images of the card's **front side**, after 照合番号B.
///
/// Only the front side is reachable through this type. The number side (EF `0005`) and 照合番号A
/// (EF `0013`, which is the My Number itself) have no operation here, so a card used as photo ID is
/// copied front side only, as the law and the seed's section (2) require.
public struct VisualSession: Sendable {
    let card: MynaCard

    /// Tries left for 照合番号B, without spending one.
    public func triesLeft() async throws(MynaCardError) -> Measured<Int> {
        try await card.exclusive { card in try await card.triesLeft(.visualB) }
    }

    /// Opens the application with 照合番号B (14 digits from the front: the birth date with its **Japanese-era**
    /// year, the expiry year, the security code), under the PIN rules. Build it with ``VisualPINB`` or
    /// ``PIN/visualB(birthDate:expiryYear:securityCode:)`` from the printed parts.
    public func open(with pinB: PIN, attempt: PINAttempt = .normal) async throws(MynaCardError) -> Measured<Void> {
        guard pinB.kind == .visualB else { throw .pinFormatInvalid(.visualB) }
        return try await card.exclusive { card in try await card.verify(pinB, attempt: attempt) }
    }

    /// The front side's data (EF `0002`). Needs ``open(with:attempt:)`` first.
    public func frontSide() async throws(MynaCardError) -> Measured<FrontSide> {
        try await card.exclusive { card in
            let bytes = try await card.readTLVFile(EF.frontSide, in: .visual, secret: true, protectedBy: .visualB)
            return try FrontSide(tlvFile: bytes)
        }
    }
}

/// What the card's front side shows, as the visual application stores it.
///
/// The security-code image (DF2A) is left out on purpose: it is part of 照合番号B, which unlocks the
/// application, and has no use in identity verification.
public struct FrontSide: Sendable, Hashable {
    /// Face photo, JPEG 2000 bytes (DF27).
    public var facePhoto: [UInt8]
    /// Name as an image, PNG (DF25).
    public var nameImage: [UInt8]
    /// Address as an image, PNG (DF26).
    public var addressImage: [UInt8]
    /// Birth date text (DF22), as stored.
    public var birthDate: String
    /// Sex text (DF23), as stored.
    public var sex: String
    /// Card expiry text (DF29), as stored.
    public var expiry: String

    init(tlvFile bytes: [UInt8]) throws(MynaCardError) {
        do {
            let outer = try BERTLV.parseFirst(bytes)
            guard outer.tag == 0xFF20 else { throw MynaCardError.malformedData("front-side file has tag \(String(outer.tag, radix: 16))") }
            let items = try outer.children()
            func value(_ tag: UInt32) throws(MynaCardError) -> [UInt8] {
                guard let v = items.first(where: { $0.tag == tag })?.value else {
                    throw MynaCardError.malformedData("front-side file lacks \(String(tag, radix: 16, uppercase: true))")
                }
                return v
            }
            facePhoto = try value(0xDF27)
            nameImage = try value(0xDF25)
            addressImage = try value(0xDF26)
            birthDate = String(decoding: try value(0xDF22), as: UTF8.self)
            sex = String(decoding: try value(0xDF23), as: UTF8.self)
            expiry = String(decoding: try value(0xDF29), as: UTF8.self)
        } catch let e as MynaCardError {
            throw e
        } catch {
            throw .malformedData("front-side file: \(error)")
        }
    }
}
