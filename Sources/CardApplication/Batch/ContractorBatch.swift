import Access
import Foundation

/// A batch sent to the application-receiving contractor (case 1): which applications, when it was
/// built and when it was sent. The package bytes are the server's to store; this is the record.
public struct ContractorBatch: Sendable, Hashable, Codable, Identifiable {
    public let id: BatchID
    /// The applications in row order (row 1 first).
    public let applications: [ApplicationID]
    public let createdAt: Date
    public let layoutName: String
    /// File name of the package, e.g. `mynagate-batch-B1.zip`.
    public let packageName: String
    public private(set) var sentAt: Date?

    /// Restores a stored batch record (``ContractorBatchBuilder`` makes new ones).
    public init(id: BatchID, applications: [ApplicationID], createdAt: Date, layoutName: String, packageName: String, sentAt: Date? = nil) {
        self.id = id
        self.applications = applications
        self.createdAt = createdAt
        self.layoutName = layoutName
        self.packageName = packageName
        self.sentAt = sentAt
    }

    /// Records that the package was sent. Also apply ``ApplicationEvent/sentToContractor(_:)`` to each
    /// application in ``applications``.
    public mutating func markSent(at time: Date) throws(BatchError) {
        guard sentAt == nil else { throw .alreadySent }
        sentAt = time
    }
}

/// What one batch row is made of: the reviewed application, the photo's bytes, and the two company
/// fields a custom layout may ask for.
public struct BatchEntry: Sendable {
    public var application: ApplicationRecord
    public var photo: Data
    public var employeeNumber: String
    public var department: String

    public init(application: ApplicationRecord, photo: Data, employeeNumber: String = "", department: String = "") {
        self.application = application
        self.photo = photo
        self.employeeNumber = employeeNumber
        self.department = department
    }
}

/// Why a batch could not be built or sent.
public enum BatchError: Error, Sendable, Hashable, BilingualMessage {
    case empty
    case notReviewed(ApplicationID, ApplicationStage)
    case wrongRoute(ApplicationID)
    case missingData(ApplicationID)
    case photoNotJPEG(ApplicationID)
    case duplicate(ApplicationID)
    case csv(CSVError)
    case zip(ZipError)
    case alreadySent

    public var code: String {
        switch self {
        case .empty: return "batch_empty"
        case .notReviewed: return "batch_not_reviewed"
        case .wrongRoute: return "batch_wrong_route"
        case .missingData: return "batch_missing_data"
        case .photoNotJPEG: return "batch_photo_not_jpeg"
        case .duplicate: return "batch_duplicate"
        case .csv(let e): return e.code
        case .zip: return "batch_zip"
        case .alreadySent: return "batch_already_sent"
        }
    }

    public var japaneseMessage: String {
        switch self {
        case .empty: return "一括申請に含める申請がありません。"
        case .notReviewed(let a, let s): return "申請 \(a) は担当者確認が済んでいません（\(s.japaneseLabel)）。"
        case .wrongRoute(let a): return "申請 \(a) は出張申請受付の申請です。"
        case .missingData(let a): return "申請 \(a) に申請情報がありません。"
        case .photoNotJPEG(let a): return "申請 \(a) の顔写真がJPEGではありません。"
        case .duplicate(let a): return "申請 \(a) が二重に含まれています。"
        case .csv(let e): return e.japaneseMessage
        case .zip: return "パッケージ（ZIP）を作成できません（大きすぎるかファイル名が不正です）。"
        case .alreadySent: return "この一括申請は送付済みです。"
        }
    }

    public var englishMessage: String {
        switch self {
        case .empty: return "There are no applications for the batch."
        case .notReviewed(let a, let s): return "Application \(a) has not been reviewed (\(s.englishLabel))."
        case .wrongRoute(let a): return "Application \(a) is for an on-site session."
        case .missingData(let a): return "Application \(a) has no application data."
        case .photoNotJPEG(let a): return "Application \(a)'s photo is not a JPEG."
        case .duplicate(let a): return "Application \(a) is in the batch twice."
        case .csv(let e): return e.englishMessage
        case .zip: return "The package (ZIP) cannot be built (too large or a bad file name)."
        case .alreadySent: return "This batch has already been sent."
        }
    }
}

/// A built batch: the record, the CSV and the ZIP holding the CSV and the photos.
public struct BatchPackage: Sendable {
    public var batch: ContractorBatch
    /// The CSV alone (also inside the ZIP).
    public var csv: Data
    /// The package to send.
    public var zip: Data
    /// The file names inside the ZIP.
    public var fileNames: [String]
}

/// Builds the case-1 package for the contractor: one ZIP with `applications.csv` and the photos
/// named by row (`photos/0001.jpg` …), the CSV's photo column naming each file.
public struct ContractorBatchBuilder: Sendable {
    public var layout: BatchLayout
    public var csvFileName = "applications.csv"
    public var photoFolder = "photos"

    public init(layout: BatchLayout = .standard) { self.layout = layout }

    /// Builds the package. Pure: it does not change the records; afterwards apply
    /// ``ApplicationEvent/addToBatch(_:)`` to each, and ``ApplicationEvent/sentToContractor(_:)`` once sent.
    public func build(id: BatchID, entries: [BatchEntry], createdAt: Date) throws(BatchError) -> BatchPackage {
        guard !entries.isEmpty else { throw .empty }
        var seen = Set<ApplicationID>()
        var rows: [[String]] = []
        if layout.includeHeader { rows.append(layout.columns.map(\.header)) }
        var zip = ZipWriter()
        var photos: [(String, Data)] = []
        for (index, entry) in entries.enumerated() {
            let app = entry.application
            guard seen.insert(app.id).inserted else { throw .duplicate(app.id) }
            guard app.route == .contractorBatch else { throw .wrongRoute(app.id) }
            // A batch being rebuilt may hold applications already stamped with this batch.
            guard app.stage == .reviewed || (app.stage == .batched && app.batch == id) else { throw .notReviewed(app.id, app.stage) }
            guard let data = app.data else { throw .missingData(app.id) }
            guard ImageFormat.detect([UInt8](entry.photo.prefix(16))) == .jpeg else { throw .photoNotJPEG(app.id) }
            let row = index + 1
            let photoName = "\(photoFolder)/\(Self.pad(row)).jpg"
            photos.append((photoName, entry.photo))
            rows.append(layout.columns.map { value($0.field, data: data, entry: entry, row: row, photoName: photoName) })
        }
        let csv: Data
        do { csv = try CSVWriter.encode(rows, encoding: layout.encoding, headers: layout.columns.map(\.header)) } catch { throw .csv(error) }
        do {
            try zip.add(csvFileName, csv, modified: createdAt)
            for (name, bytes) in photos { try zip.add(name, bytes, modified: createdAt) }
        } catch { throw .zip(error) }
        let batch = ContractorBatch(
            id: id, applications: entries.map(\.application.id), createdAt: createdAt, layoutName: layout.name,
            packageName: "mynagate-batch-\(id.rawValue).zip", sentAt: nil)
        return BatchPackage(batch: batch, csv: csv, zip: zip.finish(), fileNames: [csvFileName] + photos.map(\.0))
    }

    static func pad(_ n: Int) -> String { n < 10_000 ? String(String(n + 10_000).dropFirst()) : String(n) }

    private func value(_ field: BatchField, data: ApplicationData, entry: BatchEntry, row: Int, photoName: String) -> String {
        switch field {
        case .rowNumber: return String(row)
        case .applicationFormID: return data.applicationFormID?.digits ?? ""
        case .familyName: return data.familyName
        case .givenName: return data.givenName
        case .fullName: return data.fullName
        case .familyNameKana: return data.familyNameKana
        case .givenNameKana: return data.givenNameKana
        case .fullNameKana: return data.fullNameKana
        case .birthDate:
            let d = data.birthDate
            let mm = d.month < 10 ? "0\(d.month)" : "\(d.month)", dd = d.day < 10 ? "0\(d.day)" : "\(d.day)"
            switch layout.dateStyle {
            case .iso: return "\(d.year)-\(mm)-\(dd)"
            case .slashes: return "\(d.year)/\(mm)/\(dd)"
            case .compact: return "\(d.year)\(mm)\(dd)"
            }
        case .postalCode: return data.postalCode.map { String($0.prefix(3)) + "-" + String($0.suffix(4)) } ?? ""
        case .address: return data.address
        case .prefecture: return data.municipality.prefecture ?? ""
        case .city: return data.municipality.city
        case .phone: return data.phone ?? ""
        case .email: return data.email ?? ""
        case .photoFileName: return photoName
        case .employeeNumber: return entry.employeeNumber
        case .department: return entry.department
        }
    }
}
