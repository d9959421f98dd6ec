import Access
import Foundation

/// What importing an HR master export would change, worked out from the people stored now and the
/// file's rows — a pure function, so the preview and the apply compute the same thing (the apply
/// computes it again inside its transaction, from what is stored then).
///
/// Idempotent by employee number: a row equal to what is stored is unchanged, so applying the same
/// file twice changes nothing the second time. A field whose column is absent, and an empty leaving
/// date, leave what is stored as it is. People stored but absent from the file are not touched (a file
/// is not taken to be a full export).
public struct PeopleImportPlan: Sendable, Codable {
    /// A person as stored: what a row is compared with.
    public struct Current: Sendable {
        public var id: UUID
        public var employeeNumber: String
        public var name: String
        public var department: String
        public var site: String
        public var status: String
        public var validUntil: Date?
        /// The vault profile's leaving date (YYYY-MM-DD), if any.
        public var leavingDate: String?
        /// Whether a card of theirs is bound by the name and birth date on its signing certificate:
        /// changing either sends that card back to pending (``Enrollment``'s recheck), so such a change
        /// changes their access.
        public var signingBound: Bool
        /// The vault profile's birth date (YYYY-MM-DD), if any.
        public var birthDate: String?

        public init(id: UUID, employeeNumber: String, name: String, department: String, site: String, status: String, validUntil: Date?, leavingDate: String?,
                    signingBound: Bool = false, birthDate: String? = nil) {
            (self.id, self.employeeNumber, self.name, self.department, self.site, self.status, self.validUntil, self.leavingDate, self.signingBound, self.birthDate) =
                (id, employeeNumber, name, department, site, status, validUntil, leavingDate, signingBound, birthDate)
        }
    }

    public struct FieldChange: Sendable, Codable, Hashable {
        public var field: String
        public var before: String
        public var after: String

        public init(field: String, before: String, after: String) { (self.field, self.before, self.after) = (field, before, after) }
    }

    /// One person the import creates or changes.
    public struct Entry: Sendable, Codable {
        public var line: Int
        public var employeeNumber: String
        public var name: String
        /// Not stored yet: created by the import.
        public var new: Bool
        /// The fields that change (for a new person: every field the file gives).
        public var changes: [FieldChange]
        /// Set when the import records a leaving date (YYYY-MM-DD) not recorded yet.
        public var leavingDate: String?
        /// The stored person (nil for a new one).
        public var id: UUID?
        /// Set when the import changes the name or birth date of someone whose card is bound by them (the
        /// signing certificate's): that card goes back to pending until its holder is confirmed again. An
        /// export that writes 高 where the record has 髙 would do this to everyone so named.
        public var voidsCardBinding = false
        /// The row itself, for the apply.
        var row: PeopleRow? = nil

        enum CodingKeys: String, CodingKey { case line, employeeNumber, name, new, changes, leavingDate, voidsCardBinding }
    }

    public var entries: [Entry]
    public var unchanged: Int
    /// Birth dates in the file for people already stored that this import does not read (only an
    /// administrator's import changes a stored person's birth date): neither compared nor written, so
    /// the preview tells nobody else whether a guess matches what is on record.
    public var birthDatesNotRead = 0

    public var newCount: Int { entries.count { $0.new } }
    public var changedCount: Int { entries.count { !$0.new && !$0.changes.isEmpty } }
    public var leavingCount: Int { entries.count { $0.leavingDate != nil } }
    /// People whose card-bound name the import changes (``Entry/voidsCardBinding``).
    public var rebindCount: Int { entries.count { $0.voidsCardBinding } }
    /// Whether a change is one only an administrator makes, because it changes someone's access: a
    /// leaving date (ends it), a status, or a change of name or birth date that sends a bound card back
    /// to pending.
    public var needsAdmin: Bool {
        entries.contains { $0.leavingDate != nil || $0.voidsCardBinding || $0.changes.contains { $0.field == "status" } }
    }

    enum CodingKeys: String, CodingKey { case entries, unchanged, birthDatesNotRead }

    /// What a plan shows of a birth date: never the date (it is the vault profile's, and the preview is
    /// not a way to read it), only that one is set where none was, or changed.
    public static let birthDateSet = "set", birthDateChanged = "changed", birthDateOnRecord = "on record"

    /// The plan for `rows` against `current` (keyed by employee number). `readsStoredBirthDates`: the
    /// importer may change a stored person's birth date (an administrator); otherwise those cells are
    /// counted in ``birthDatesNotRead`` and nothing else.
    public static func make(rows: [PeopleRow], current: [String: Current], readsStoredBirthDates: Bool = true) -> PeopleImportPlan {
        var entries: [Entry] = [], unchanged = 0, birthDatesNotRead = 0
        for r in rows {
            let leaving = r.leavingDate?.description
            guard let c = current[r.employeeNumber] else {
                var changes = [FieldChange(field: "name", before: "", after: r.name)]
                for (field, v) in [("department", r.department), ("site", r.site), ("status", r.status), ("birthDate", r.birthDate.map { _ in birthDateSet })] {
                    if let v, !v.isEmpty, !(field == "status" && v == "active") { changes.append(FieldChange(field: field, before: "", after: v)) }
                }
                entries.append(Entry(line: r.line, employeeNumber: r.employeeNumber, name: r.name, new: true, changes: changes, leavingDate: leaving, id: nil, row: r))
                continue
            }
            var changes: [FieldChange] = []
            if r.name != c.name { changes.append(FieldChange(field: "name", before: c.name, after: r.name)) }
            if let d = r.department, d != c.department { changes.append(FieldChange(field: "department", before: c.department, after: d)) }
            if let s = r.site, s != c.site { changes.append(FieldChange(field: "site", before: c.site, after: s)) }
            if let s = r.status, s != c.status { changes.append(FieldChange(field: "status", before: c.status, after: s)) }
            if let b = r.birthDate?.description {
                if !readsStoredBirthDates {
                    birthDatesNotRead += 1
                } else if b != (c.birthDate ?? "") {
                    changes.append(FieldChange(field: "birthDate", before: c.birthDate == nil ? "" : birthDateOnRecord,
                                               after: c.birthDate == nil ? birthDateSet : birthDateChanged))
                }
            }
            var leavingNew: String?
            if let d = r.leavingDate, c.leavingDate != d.description || EmployeeLeaving.shortens(EmployeeLeaving.endOfDay(d), c.validUntil) { leavingNew = leaving }
            if changes.isEmpty && leavingNew == nil { unchanged += 1; continue }
            entries.append(Entry(line: r.line, employeeNumber: r.employeeNumber, name: r.name, new: false, changes: changes, leavingDate: leavingNew, id: c.id,
                                 voidsCardBinding: c.signingBound && changes.contains { $0.field == "name" || $0.field == "birthDate" }, row: r))
        }
        return PeopleImportPlan(entries: entries, unchanged: unchanged, birthDatesNotRead: birthDatesNotRead)
    }
}
