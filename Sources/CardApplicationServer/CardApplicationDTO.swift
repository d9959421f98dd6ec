import Access
import CardApplication
import Foundation
import Store
import Vapor
import ServerCore

/// What the API returns about applications, batches, sessions and adoption.
enum CardDTO {
    struct ApplicantData: Content {
        var applicationFormID: String?
        var familyName: String
        var givenName: String
        var familyNameKana: String
        var givenNameKana: String
        var birthDate: String
        var postalCode: String?
        var address: String
        var prefecture: String?
        var city: String
        var phone: String?
        var email: String?
    }
    struct Photo: Content {
        var byteCount: Int
        var acceptable: Bool
        var issueCodes: [String]
    }
    struct HistoryEntry: Content {
        var event: String
        var stage: String
        var at: Date
        var actor: String?
        var note: String?
    }
    struct Application: Content {
        var id: String
        var employeeId: String
        var employeeNumber: String?
        var employeeName: String?
        var department: String?
        var site: String?
        var route: String?
        var stage: String
        var stageJa: String
        var stageEn: String
        var open: Bool
        var data: ApplicantData?
        var photo: Photo?
        var batch: String?
        var session: String?
        var clerkNote: String?
        var reminders: [Date]
        var history: [HistoryEntry]
    }

    static func data(_ d: ApplicationData) -> ApplicantData {
        ApplicantData(applicationFormID: d.applicationFormID?.digits, familyName: d.familyName, givenName: d.givenName, familyNameKana: d.familyNameKana,
             givenNameKana: d.givenNameKana, birthDate: iso(d.birthDate), postalCode: d.postalCode, address: d.address,
             prefecture: d.municipality.prefecture, city: d.municipality.city, phone: d.phone, email: d.email)
    }

    static func iso(_ d: CivilDate) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(d.year)-\(two(d.month))-\(two(d.day))"
    }

    static func application(_ r: ApplicationRecord, employee: EmployeeModel?) -> Application {
        Application(
            id: r.id.rawValue, employeeId: r.employee.rawValue, employeeNumber: employee?.employeeNumber, employeeName: employee?.name,
            department: employee?.department, site: employee?.site, route: r.route?.rawValue, stage: r.stage.rawValue,
            stageJa: r.stage.japaneseLabel, stageEn: r.stage.englishLabel, open: r.isOpen, data: r.data.map(data),
            photo: r.photo.map { Photo(byteCount: $0.byteCount, acceptable: $0.isAcceptable, issueCodes: $0.issueCodes) },
            batch: r.batch?.rawValue, session: r.session?.rawValue, clerkNote: r.clerkNote, reminders: r.reminders,
            history: r.history.map { HistoryEntry(event: $0.event, stage: $0.stage.rawValue, at: $0.at, actor: $0.actor, note: $0.note) })
    }

    struct Counts: Content {
        var total: Int
        var enrolled: Int
        var cardNotEnrolled: Int
        var applying: Int
        var none: Int
        var declined: Int
        var enrolledRatio: Double
        var cardHolderRatio: Double
        var reachRatio: Double
    }
    static func counts(_ c: AdoptionCounts) -> Counts {
        Counts(total: c.total, enrolled: c.count(.enrolled), cardNotEnrolled: c.count(.cardNotEnrolled), applying: c.count(.applying),
               none: c.count(.none), declined: c.count(.declined), enrolledRatio: c.enrolledRatio, cardHolderRatio: c.cardHolderRatio, reachRatio: c.reachRatio)
    }
    struct Group: Content {
        var name: String
        var counts: Counts
    }
    struct StatusRow: Content {
        var employeeId: String
        var employeeNumber: String
        var name: String
        var department: String
        var site: String
        var status: String
    }
    struct Adoption: Content {
        var overall: Counts
        var byDepartment: [Group]
        var bySite: [Group]
        var employees: [StatusRow]
    }

    struct Batch: Content {
        var id: String
        var applications: [String]
        var createdAt: Date
        var layoutName: String
        var packageName: String
        var sentAt: Date?
        var count: Int
    }
    static func batch(_ b: ContractorBatch) -> Batch {
        Batch(id: b.id.rawValue, applications: b.applications.map(\.rawValue), createdAt: b.createdAt, layoutName: b.layoutName,
              packageName: b.packageName, sentAt: b.sentAt, count: b.applications.count)
    }

    struct Contact: Content {
        var name: String
        var section: String?
        var phone: String?
        var email: String?
    }
    struct RosterRow: Content {
        var number: Int
        var application: String
        var employeeNumber: String
        var department: String
        var name: String
        var nameKana: String
        var birthDate: String?
        var address: String
        var identityChecked: Bool
        var applied: Bool
        var checklistJa: [String]
        var checklistEn: [String]
    }
    struct Session: Content {
        var id: String
        var prefecture: String?
        var city: String
        var status: String
        var date: String?
        var startTime: String?
        var place: String?
        var cityContact: Contact?
        var cardDelivery: String
        var cardDeliveryJa: String
        var roster: [String]
        var applied: [String]
        var rows: [RosterRow]?
    }
    static func time(_ minute: Int?) -> String? {
        guard let m = minute else { return nil }
        return String(format: "%02d:%02d", m / 60, m % 60)
    }
    static func session(_ s: OnSiteSession, roster: SessionRoster? = nil) -> Session {
        Session(
            id: s.id.rawValue, prefecture: s.municipality.prefecture, city: s.municipality.city, status: s.status.rawValue,
            date: s.date.map(iso), startTime: time(s.startMinute), place: s.place,
            cityContact: s.cityContact.map { Contact(name: $0.name, section: $0.section, phone: $0.phone, email: $0.email) },
            cardDelivery: s.cardDelivery.rawValue, cardDeliveryJa: s.cardDelivery.japaneseLabel, roster: s.roster.map(\.rawValue),
            applied: s.applied.map(\.rawValue),
            rows: roster.map { r in
                r.rows.map { row in
                    RosterRow(number: row.number, application: row.application.rawValue, employeeNumber: row.employeeNumber, department: row.department,
                              name: row.name, nameKana: row.nameKana, birthDate: row.birthDate.map(iso), address: row.address,
                              identityChecked: row.identityChecked, applied: row.applied,
                              checklistJa: r.checklists[row.application]?.lines(in: .japanese) ?? [],
                              checklistEn: r.checklists[row.application]?.lines(in: .english) ?? [])
                }
            })
    }

    struct Template: Content {
        var id: String
        var kind: String
        var language: String
        var subject: String
        var body: String
        var isDefault: Bool
        var placeholders: [String]
    }
    static func template(_ t: MessageTemplate, isDefault: Bool) -> Template {
        Template(id: CardApplications.templateID(t.kind, t.language), kind: t.kind.rawValue, language: t.language.rawValue, subject: t.subject,
                 body: t.body, isDefault: isDefault, placeholders: t.placeholders)
    }
}
