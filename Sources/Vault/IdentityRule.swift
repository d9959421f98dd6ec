import Access

/// How a person's identity and number were confirmed (番号法16条).
public enum VerificationMethod: String, Sendable, Hashable, Codable, CaseIterable, Bilingual {
    /// The My Number card alone: number and identity in one.
    case myNumberCard = "my_number_card"
    /// A number-confirmation document plus one photo ID or two non-photo IDs, checked by the handler.
    case documents
    /// A dependent's number given by the employee, who confirmed the dependent's identity themselves.
    case dependentByEmployee = "dependent_by_employee"

    public var japanese: String {
        switch self {
        case .myNumberCard: return "個人番号カード"
        case .documents: return "番号確認書類と身元確認書類"
        case .dependentByEmployee: return "従業員による扶養親族の本人確認"
        }
    }

    public var english: String {
        switch self {
        case .myNumberCard: return "My Number card"
        case .documents: return "Number document and identity documents"
        case .dependentByEmployee: return "Dependent verified by the employee"
        }
    }
}

/// What a satisfied check rested on.
public enum IdentityBasis: Sendable, Hashable, Codable {
    case myNumberCard
    case numberDocumentAndPhotoID
    case numberDocumentAndTwoNonPhotoIDs
    case verifiedByEmployee(DependentRelation)
}

/// Why a set of presented documents does not satisfy 番号法16条. No case carries a number.
public enum IdentityRefusal: Sendable, Hashable, Codable, Bilingual, CustomStringConvertible {
    case noDocuments
    case cardNotPresented
    case documentExpired(IdentityDocumentType, CivilDate)
    case issuerMissing(IdentityDocumentType)
    case individualNumberNoticeNotAcceptable
    case notificationCardDetailsNotConfirmed
    case noNumberConfirmation
    case noIdentityConfirmation
    case secondNonPhotoIDNeeded
    case notADependent
    case companyMustVerify(Purpose)

    public var code: String {
        switch self {
        case .noDocuments: return "no_documents"
        case .cardNotPresented: return "card_not_presented"
        case .documentExpired: return "document_expired"
        case .issuerMissing: return "issuer_missing"
        case .individualNumberNoticeNotAcceptable: return "individual_number_notice_not_acceptable"
        case .notificationCardDetailsNotConfirmed: return "notification_card_details_not_confirmed"
        case .noNumberConfirmation: return "no_number_confirmation"
        case .noIdentityConfirmation: return "no_identity_confirmation"
        case .secondNonPhotoIDNeeded: return "second_non_photo_id_needed"
        case .notADependent: return "not_a_dependent"
        case .companyMustVerify: return "company_must_verify"
        }
    }

    public var japanese: String {
        switch self {
        case .noDocuments: return "確認書類が提示されていません"
        case .cardNotPresented: return "個人番号カードが提示されていません"
        // The date is not repeated: error texts carry nothing the client sent (the form shows it).
        case .documentExpired(let t, _): return "\(t.japanese)の有効期限が切れています"
        case .issuerMissing(let t): return "\(t.japanese)の発行者が記録されていません"
        case .individualNumberNoticeNotAcceptable: return "個人番号通知書は番号確認書類として使えません"
        case .notificationCardDetailsNotConfirmed: return "通知カードは記載事項（氏名・住所）が住民票と一致する場合だけ使えます"
        case .noNumberConfirmation: return "番号確認書類（住民票の写し等）がありません"
        case .noIdentityConfirmation: return "身元確認書類（写真付き1点または写真なし2点）がありません"
        case .secondNonPhotoIDNeeded: return "写真のない身元確認書類は2種類必要です（もう1点、または写真付き1点）"
        case .notADependent: return "従業員による本人確認は扶養親族の番号にだけ使えます"
        case .companyMustVerify(let p): return "「\(p.japanese)」のための番号は事業者が本人確認を行う必要があります"
        }
    }

    public var english: String {
        switch self {
        case .noDocuments: return "no document was presented"
        case .cardNotPresented: return "no My Number card was presented"
        case .documentExpired(let t, _): return "the \(t.english.lowercased()) has expired"
        case .issuerMissing(let t): return "the issuer of the \(t.english.lowercased()) was not recorded"
        case .individualNumberNoticeNotAcceptable: return "an individual number notice cannot confirm the number"
        case .notificationCardDetailsNotConfirmed: return "a notification card is acceptable only when its name and address match the resident record"
        case .noNumberConfirmation: return "no number-confirmation document (e.g. a copy of the resident record)"
        case .noIdentityConfirmation: return "no identity document (one with a photo, or two without)"
        case .secondNonPhotoIDNeeded: return "identity documents without a photo need two different ones (or one with a photo)"
        case .notADependent: return "verification by the employee applies only to dependents' numbers"
        case .companyMustVerify(let p): return "for \"\(p.english)\" the company itself must verify the person's identity"
        }
    }

    public var description: String { "\(code): \(english)" }
}

/// The result of ``IdentityRule/evaluate(method:documents:subject:purposes:on:)``.
public enum IdentityVerdict: Sendable, Hashable {
    case satisfied(IdentityBasis)
    /// Every reason found, most basic first.
    case refused([IdentityRefusal])

    public var isSatisfied: Bool {
        if case .satisfied = self { return true }
        return false
    }

    public var refusals: [IdentityRefusal] {
        if case .refused(let r) = self { return r }
        return []
    }
}

/// The identity-verification rule of 番号法16条 and 施行規則 (平成26年内閣府・総務省令第3号).
///
/// Stricter readings taken where the rules leave room:
/// - **No omission for known employees.** 施行規則3条5項 lets an employer skip 身元確認 for a person it
///   already knows by employment; MynaGate always requires it, so every stored number has a full record.
/// - **Expired documents are refused**, and every document must have its issuer recorded.
/// - **Two non-photo IDs must be of two different types** (two health insurance cards are one document
///   shown twice), and the number-confirmation document never counts as one of them.
/// - **通知カード** only with the handler's positive confirmation that name and address are unchanged;
///   an unanswered question (`nil`) is a refusal.
/// - **Dependents.** For 扶養控除等申告書, 源泉徴収票 and the health insurance 被扶養者(異動)届 the employee
///   is the one who must give the dependents' numbers and checks their identity (PPC FAQ on 扶養控除等
///   申告書; 所得税法194条; 健康保険法施行規則38条), so ``VerificationMethod/dependentByEmployee`` records
///   the relation and no documents. For 国民年金第3号被保険者関係届 the spouse is the one notifying
///   (国民年金法12条5項) and the company receives the spouse's number, so the company must verify the
///   spouse itself: ``IdentityRefusal/companyMustVerify(_:)``.
public enum IdentityRule {
    /// Evaluates what was presented for one person on `date` (the check's day in Japan).
    public static func evaluate(
        method: VerificationMethod, documents: [PresentedDocument], subject: SubjectRole,
        purposes: Set<Purpose>, on date: CivilDate
    ) -> IdentityVerdict {
        if method == .dependentByEmployee {
            guard let relation = subject.relation else { return .refused([.notADependent]) }
            let needCompany = purposes.sorted().filter { $0 == .nationalPensionCategory3 }
            if !needCompany.isEmpty { return .refused(needCompany.map { .companyMustVerify($0) }) }
            return .satisfied(.verifiedByEmployee(relation))
        }

        guard !documents.isEmpty else { return .refused([.noDocuments]) }
        var problems: [IdentityRefusal] = []
        for d in documents {
            if d.issuer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(.issuerMissing(d.type)) }
            if d.isExpired(on: date), let v = d.validUntil { problems.append(.documentExpired(d.type, v)) }
        }
        if !problems.isEmpty { return .refused(problems) }

        let types = Set(documents.map(\.type))
        if types.contains(.myNumberCard) { return .satisfied(.myNumberCard) }
        if method == .myNumberCard { return .refused([.cardNotPresented]) }

        // Number confirmation.
        let numberDocs = documents.filter { d in
            switch d.type {
            case .residentRecordWithNumber, .residentRecordCertificateWithNumber: return true
            case .notificationCard: return d.detailsUnchanged == true
            default: return false
            }
        }
        if numberDocs.isEmpty {
            if types.contains(.notificationCard) {
                problems.append(.notificationCardDetailsNotConfirmed)
            } else if types.contains(.individualNumberNotice) {
                problems.append(.individualNumberNoticeNotAcceptable)
            } else {
                problems.append(.noNumberConfirmation)
            }
        }

        // Identity confirmation.
        let photo = types.filter { $0.role == .photoIdentity }
        let nonPhoto = types.filter { $0.role == .nonPhotoIdentity }
        if photo.isEmpty {
            if nonPhoto.count == 1 {
                problems.append(.secondNonPhotoIDNeeded)
            } else if nonPhoto.isEmpty {
                problems.append(.noIdentityConfirmation)
            }
        }
        if !problems.isEmpty { return .refused(problems) }
        return .satisfied(photo.isEmpty ? .numberDocumentAndTwoNonPhotoIDs : .numberDocumentAndPhotoID)
    }
}
