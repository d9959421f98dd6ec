/// The documents a handler may be shown when collecting a number, and what each proves under
/// 番号法16条 and 施行規則 (平成26年内閣府・総務省令第3号) 1条〜3条.
///
/// Raw values are stable codes. The record of a document keeps its type, issuer and validity end only —
/// never a document number (a licence or passport number is itself personal data the vault has no
/// purpose for).
public enum IdentityDocumentType: String, Sendable, Hashable, Codable, CaseIterable, Bilingual {
    // Number and identity in one.
    /// 個人番号カード: number confirmation and identity confirmation in one (番号法16条).
    case myNumberCard = "my_number_card"

    // Number confirmation (番号確認).
    /// 住民票の写し (個人番号の記載があるもの).
    case residentRecordWithNumber = "resident_record_with_number"
    /// 住民票記載事項証明書 (個人番号の記載があるもの).
    case residentRecordCertificateWithNumber = "resident_record_certificate_with_number"
    /// 通知カード: acceptable only while its name and address match the resident record
    /// (令和2年5月25日の廃止後の経過措置).
    case notificationCard = "notification_card"
    /// 個人番号通知書: never acceptable for number confirmation (its own face says so).
    case individualNumberNotice = "individual_number_notice"

    // Identity confirmation with a photo (身元確認, 施行規則1条1項1号).
    case driversLicense = "drivers_license"
    /// 運転経歴証明書.
    case driversHistoryCertificate = "drivers_history_certificate"
    case passport
    /// 在留カード.
    case residenceCard = "residence_card"
    /// 特別永住者証明書.
    case specialPermanentResidentCertificate = "special_permanent_resident_certificate"
    /// 身体障害者手帳.
    case physicalDisabilityCertificate = "physical_disability_certificate"
    /// 精神障害者保健福祉手帳.
    case mentalDisabilityCertificate = "mental_disability_certificate"
    /// 療育手帳.
    case rehabilitationCertificate = "rehabilitation_certificate"

    // Identity confirmation without a photo: two are needed (施行規則1条1項3号 and its 告示).
    /// 健康保険の被保険者証 (or 資格確認書).
    case healthInsuranceCard = "health_insurance_card"
    /// 年金手帳.
    case pensionBook = "pension_book"
    /// 基礎年金番号通知書.
    case basicPensionNumberNotice = "basic_pension_number_notice"
    /// 児童扶養手当証書.
    case childRearingAllowanceCertificate = "child_rearing_allowance_certificate"

    /// What a document of this type can prove.
    public enum Role: String, Sendable, Hashable, Codable {
        case numberAndIdentity
        case numberConfirmation
        case photoIdentity
        case nonPhotoIdentity
        case notAcceptable
    }

    public var role: Role {
        switch self {
        case .myNumberCard: return .numberAndIdentity
        case .residentRecordWithNumber, .residentRecordCertificateWithNumber, .notificationCard: return .numberConfirmation
        case .individualNumberNotice: return .notAcceptable
        case .driversLicense, .driversHistoryCertificate, .passport, .residenceCard, .specialPermanentResidentCertificate,
             .physicalDisabilityCertificate, .mentalDisabilityCertificate, .rehabilitationCertificate:
            return .photoIdentity
        case .healthInsuranceCard, .pensionBook, .basicPensionNumberNotice, .childRearingAllowanceCertificate:
            return .nonPhotoIdentity
        }
    }

    public var japanese: String {
        switch self {
        case .myNumberCard: return "個人番号カード"
        case .residentRecordWithNumber: return "住民票の写し（個人番号付き）"
        case .residentRecordCertificateWithNumber: return "住民票記載事項証明書（個人番号付き）"
        case .notificationCard: return "通知カード"
        case .individualNumberNotice: return "個人番号通知書"
        case .driversLicense: return "運転免許証"
        case .driversHistoryCertificate: return "運転経歴証明書"
        case .passport: return "旅券"
        case .residenceCard: return "在留カード"
        case .specialPermanentResidentCertificate: return "特別永住者証明書"
        case .physicalDisabilityCertificate: return "身体障害者手帳"
        case .mentalDisabilityCertificate: return "精神障害者保健福祉手帳"
        case .rehabilitationCertificate: return "療育手帳"
        case .healthInsuranceCard: return "健康保険証（資格確認書）"
        case .pensionBook: return "年金手帳"
        case .basicPensionNumberNotice: return "基礎年金番号通知書"
        case .childRearingAllowanceCertificate: return "児童扶養手当証書"
        }
    }

    public var english: String {
        switch self {
        case .myNumberCard: return "My Number card"
        case .residentRecordWithNumber: return "Copy of resident record (with number)"
        case .residentRecordCertificateWithNumber: return "Certificate of resident record items (with number)"
        case .notificationCard: return "Notification card"
        case .individualNumberNotice: return "Individual number notice"
        case .driversLicense: return "Driver's licence"
        case .driversHistoryCertificate: return "Certificate of driving history"
        case .passport: return "Passport"
        case .residenceCard: return "Residence card"
        case .specialPermanentResidentCertificate: return "Special permanent resident certificate"
        case .physicalDisabilityCertificate: return "Physical disability certificate"
        case .mentalDisabilityCertificate: return "Mental disability certificate"
        case .rehabilitationCertificate: return "Rehabilitation certificate"
        case .healthInsuranceCard: return "Health insurance card"
        case .pensionBook: return "Pension book"
        case .basicPensionNumberNotice: return "Basic pension number notice"
        case .childRearingAllowanceCertificate: return "Child-rearing allowance certificate"
        }
    }
}
