import Access
import Foundation
import ServerCore
import Store
import Vapor

/// `/building`: the building in the browser. An overview (administrators and security officers) and
/// forms to create and edit zones, doors, access groups and weekly schedules (administrators). Each
/// form is a thin adapter over ``BuildingService`` — the one place building changes happen, each one
/// audited transaction and a policy reload — so a form can do nothing the API cannot, and is refused
/// for the same reasons, shown beside the form in the page's language.
struct BuildingPages {
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    // MARK: the forms as posted (every field optional: a browser leaves out an unticked box)

    struct ZoneForm: Content {
        var id: String?
        var name: String?
        var workplaceBoundary: String?
        var myNumberArea: String?
        var antiPassback: String?
    }
    struct DoorForm: Content {
        var id: String?
        var name: String?
        var fromZone: String?
        var toZone: String?
        var securityLevel: String?
        var keylessAdmitUntil: String?
        var schedule: String?
    }
    struct ScheduleForm: Content {
        var id: String?
        var name: String?
        var monday: String?, tuesday: String?, wednesday: String?, thursday: String?, friday: String?, saturday: String?, sunday: String?
        var holidayRule: String?

        func windows(_ day: String) -> String? {
            switch day {
            case "monday": return monday
            case "tuesday": return tuesday
            case "wednesday": return wednesday
            case "thursday": return thursday
            case "friday": return friday
            case "saturday": return saturday
            default: return sunday
            }
        }
    }
    struct GroupForm: Content {
        var id: String?
        var name: String?
        /// Zone id → schedule id; an empty schedule is no access to that zone.
        var grant: [String: String]?
    }

    // MARK: what the templates show

    struct Link: Encodable, Sendable {
        var id: String
        var name: String
        var detail: String
    }
    struct Overview: Encodable, Sendable {
        var zones: [Link]
        var doors: [Link]
        var groups: [Link]
        var schedules: [Link]
        var holidays: Int
        var canEdit: Bool
    }
    struct Editor: Encodable, Sendable {
        var kind: String
        var isNew: Bool
        var action: String
        var id: String
        var name: String
        var checks: [PageOption] = []
        var selects: [Select] = []
        var texts: [TextField] = []
    }
    struct Select: Encodable, Sendable {
        var name: String
        var label: String
        var options: [PageOption]
    }
    struct TextField: Encodable, Sendable {
        var name: String
        var label: String
        var value: String
        var type: String
        var hint: String
    }

    /// The largest holiday CSV taken (the Cabinet Office's, 1955 onwards, is about 20 KB).
    static let holidayFileLimit: ByteCount = "1mb"

    struct HolidayForm: Content { var file: File? }
    struct HolidayRow: Encodable, Sendable {
        var date: String
        var name: String
    }
    struct HolidaysData: Encodable, Sendable {
        var rows: [HolidayRow]
        var count: Int
        var canEdit: Bool
    }

    func register(_ app: Application) {
        let read = app.grouped(PageRoleMiddleware(Pages.operations))
        let admin = app.grouped(PageRoleMiddleware([.admin]))
        read.get("building", use: overview)
        read.get("building", "holidays", use: holidays)
        admin.on(.POST, "building", "holidays", body: .collect(maxSize: Self.holidayFileLimit), use: importHolidays)
        // The CSRF token of a file upload is a field of the multipart body, read only on routes named here.
        app.fileRoutes.limits["POST /building/holidays"] = Self.holidayFileLimit
        for kind in ["zones", "doors", "groups", "schedules"] {
            admin.get("building", .constant(kind), "new") { req in try await self.edit(req, kind: kind, id: nil) }
            admin.get("building", .constant(kind), ":id") { req in try await self.edit(req, kind: kind, id: try ConfigController.id(req)) }
            admin.post("building", .constant(kind)) { req in try await self.save(req, kind: kind, id: nil) }
            admin.post("building", .constant(kind), ":id") { req in try await self.save(req, kind: kind, id: try ConfigController.id(req)) }
        }
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        let b = req.building
        let zones = try await b.zones(), doors = try await b.doors()
        let zoneName = { (id: String?) in id.map { z in zones.first { $0.id == z }?.name ?? z } ?? req.text("outside") }
        let data = Overview(
            zones: zones.map { z in
                Link(id: z.id ?? "", name: z.name, detail: [z.workplaceBoundary == true ? req.text("workplaceBoundary") : nil,
                                                            z.myNumberArea == true ? req.text("myNumberArea") : nil,
                                                            "\(req.text("antiPassback")): \(z.antiPassback ?? "off")"].compactMap { $0 }.joined(separator: " · "))
            },
            doors: doors.map { d in
                Link(id: d.id ?? "", name: d.name, detail: "\(zoneName(d.fromZone)) → \(zoneName(d.toZone)) · \(req.text("level_\(d.effectiveSecurityLevel ?? "tap")"))")
            },
            groups: try await b.groups().map { g in
                Link(id: g.id ?? "", name: g.name, detail: g.grants.map { "\(zoneName($0.zone)) / \($0.schedule)" }.joined(separator: "、"))
            },
            schedules: try await b.schedules().map { s in
                Link(id: s.id ?? "", name: s.name, detail: Self.weekdays.compactMap { d in s.windows[d].map { "\(req.text("day_\(d)")) \($0.joined(separator: ","))" } }
                    .joined(separator: "; ") + " · \(req.text("holidayRule_\(s.holidayRule ?? "closed")"))")
            },
            holidays: try await b.holidays().count, canEdit: try req.user.role == .admin)
        return try await req.renderPage("building", titleKey: "buildingTitle", data)
    }

    // MARK: holidays

    /// The holidays on file from this year on, and (administrators) the Cabinet Office CSV's upload.
    @Sendable func holidays(_ req: Request) async throws -> Response {
        try await renderHolidays(req)
    }

    func renderHolidays(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let all = try await req.building.holidays()
        let thisYear = String(PageTime.day(Date()).prefix(4))
        let rows = all.filter { $0.date >= thisYear }.map { HolidayRow(date: $0.date, name: $0.name) }
        return try await req.renderPage("building-holidays", titleKey: "buildingHolidays",
                                        HolidaysData(rows: rows, count: all.count, canEdit: try req.user.role == .admin), status: status, error: error)
    }

    /// Imports the uploaded `syukujitsu.csv` (Shift_JIS as published, or UTF-8) through
    /// ``BuildingService/importHolidays(_:)``: one audited transaction, the policy reloaded.
    @Sendable func importHolidays(_ req: Request) async throws -> Response {
        try await req.submitForm(HolidayForm.self, flash: "buildingHolidaysImported", redirect: "/building/holidays") { f in
            // No file chosen is an empty file, which the import refuses with its own sentence.
            _ = try await req.building.importHolidays(f.file.map { Data(buffer: $0.data) } ?? Data())
            return nil
        } page: { _, problem in
            try await renderHolidays(req, status: problem.status, error: problem.text)
        }
    }

    // MARK: editing

    /// The form for a new record, or for the record `id` (404 when there is none).
    func edit(_ req: Request, kind: String, id: String?) async throws -> Response {
        let editor: Editor
        switch kind {
        case "zones":
            let z = try await Self.existing(id, "zone", req.building.zones, \.id)
            editor = try await zoneEditor(req, ZoneForm(id: id, name: z?.name, workplaceBoundary: z?.workplaceBoundary == true ? "1" : nil,
                                                        myNumberArea: z?.myNumberArea == true ? "1" : nil, antiPassback: z?.antiPassback), isNew: id == nil)
        case "doors":
            let d = try await Self.existing(id, "door", req.building.doors, \.id)
            editor = try await doorEditor(req, DoorForm(id: id, name: d?.name, fromZone: d?.fromZone, toZone: d?.toZone, securityLevel: d?.securityLevel,
                                                        keylessAdmitUntil: d?.keylessAdmitUntil.map(ExplainPage.localInput), schedule: d?.schedule), isNew: id == nil)
        case "groups":
            let g = try await Self.existing(id, "group", req.building.groups, \.id)
            let grants = Dictionary((g?.grants ?? []).map { ($0.zone, $0.schedule) }, uniquingKeysWith: { a, _ in a })
            editor = try await groupEditor(req, GroupForm(id: id, name: g?.name, grant: grants), isNew: id == nil)
        default:
            let s = try await Self.existing(id, "schedule", req.building.schedules, \.id)
            let w = { (day: String) in s?.windows[day]?.joined(separator: ", ") }
            editor = scheduleEditor(req, ScheduleForm(id: id, name: s?.name, monday: w("monday"), tuesday: w("tuesday"), wednesday: w("wednesday"),
                                                      thursday: w("thursday"), friday: w("friday"), saturday: w("saturday"), sunday: w("sunday"),
                                                      holidayRule: s?.holidayRule), isNew: id == nil)
        }
        return try await req.renderPage("building-edit", titleKey: "buildingEdit_\(kind)", editor)
    }

    /// The record `id` names (`nil` for a new one); 404 when `id` names none.
    static func existing<T>(_ id: String?, _ what: String, _ list: () async throws -> [T], _ key: KeyPath<T, String?>) async throws -> T? {
        guard let id else { return nil }
        guard let found = try await list().first(where: { $0[keyPath: key] == id }) else { throw Abort(.notFound, reason: "no such \(what)") }
        return found
    }

    /// Saves the posted form through ``BuildingService``; on a refusal the form comes back as posted
    /// with the reason in the page's language.
    func save(_ req: Request, kind: String, id pathID: String?) async throws -> Response {
        switch kind {
        case "zones":
            return try await req.submitForm(ZoneForm.self, flash: "buildingSaved", redirect: "/building") { f in
                let id = try await Self.target(req, pathID, f.id, exists: { id in try await req.building.zones().contains { $0.id == id } })
                _ = try await req.building.putZone(id: id, .init(id: id, name: f.name ?? "", workplaceBoundary: f.workplaceBoundary != nil,
                                                                  myNumberArea: f.myNumberArea != nil, antiPassback: f.antiPassback))
                return nil
            } page: { f, problem in
                try await rerender(req, kind, try await zoneEditor(req, f ?? ZoneForm(id: pathID), isNew: pathID == nil), problem)
            }
        case "doors":
            return try await req.submitForm(DoorForm.self, flash: "buildingSaved", redirect: "/building") { f in
                let id = try await Self.target(req, pathID, f.id, exists: { id in try await req.building.doors().contains { $0.id == id } })
                var until: Date?
                if let text = f.keylessAdmitUntil, !text.isEmpty {
                    guard let d = PageTime.parseLocal(text) else {
                        throw BuildingService.refused("keylessAdmitUntil: a time is YYYY-MM-DDTHH:MM (Japan time)", ja: "鍵未登録カードの受け入れ期限は YYYY-MM-DDTHH:MM で入力してください")
                    }
                    until = d
                }
                _ = try await req.building.putDoor(id: id, .init(id: id, name: f.name ?? "", fromZone: Self.blankIsNil(f.fromZone), toZone: Self.blankIsNil(f.toZone),
                                                                  securityLevel: Self.blankIsNil(f.securityLevel), keylessAdmitUntil: until,
                                                                  schedule: Self.blankIsNil(f.schedule)))
                return nil
            } page: { f, problem in
                try await rerender(req, kind, try await doorEditor(req, f ?? DoorForm(id: pathID), isNew: pathID == nil), problem)
            }
        case "groups":
            return try await req.submitForm(GroupForm.self, flash: "buildingSaved", redirect: "/building") { f in
                let id = try await Self.target(req, pathID, f.id, exists: { id in try await req.building.groups().contains { $0.id == id } })
                let grants = (f.grant ?? [:]).filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { GrantJSON(zone: $0.key, schedule: $0.value) }
                _ = try await req.building.putGroup(id: id, .init(id: id, name: f.name ?? "", grants: grants))
                return nil
            } page: { f, problem in
                try await rerender(req, kind, try await groupEditor(req, f ?? GroupForm(id: pathID), isNew: pathID == nil), problem)
            }
        default:
            return try await req.submitForm(ScheduleForm.self, flash: "buildingSaved", redirect: "/building") { f in
                let id = try await Self.target(req, pathID, f.id, exists: { id in try await req.building.schedules().contains { $0.id == id } })
                var windows: [String: [String]] = [:]
                for day in Self.weekdays {
                    let list = (f.windows(day) ?? "").split(whereSeparator: { $0 == "," || $0 == "、" || $0 == " " }).map(String.init)
                    if !list.isEmpty { windows[day] = list }
                }
                _ = try await req.building.putSchedule(id: id, .init(id: id, name: f.name ?? "", windows: windows, holidayRule: f.holidayRule))
                return nil
            } page: { f, problem in
                try await rerender(req, kind, scheduleEditor(req, f ?? ScheduleForm(id: pathID), isNew: pathID == nil), problem)
            }
        }
    }

    /// The id a save writes: the path's when editing; when creating, the form's, which must be a valid
    /// id naming no existing record (a create never overwrites: 409).
    static func target(_ req: Request, _ pathID: String?, _ formID: String?, exists: (String) async throws -> Bool) async throws -> String {
        if let pathID { return pathID }
        let id = (formID ?? "").trimmingCharacters(in: .whitespaces)
        guard BuildingService.isValidID(id), id != "new" else {
            throw BuildingService.refused("id: 1–64 ASCII letters, digits, - or _ (not \"new\")", ja: "IDは半角英数字・-・_ の1〜64文字です（new は使えません）")
        }
        guard try await !exists(id) else { throw APIError(.conflict, code: "conflict", ja: "このIDはすでに使われています", en: "this id is already taken") }
        return id
    }

    static func blankIsNil(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }

    func rerender(_ req: Request, _ kind: String, _ editor: Editor, _ problem: PageProblem) async throws -> Response {
        // A field holding a 12-digit run (a My Number typed by mistake) is not shown again.
        var e = editor
        if FreeText.containsNumberRun(e.name) { e.name = "" }
        if FreeText.containsNumberRun(e.id) { e.id = "" }
        e.texts = e.texts.map { t in var t = t; if FreeText.containsNumberRun(t.value) { t.value = "" }; return t }
        return try await req.renderPage("building-edit", titleKey: "buildingEdit_\(kind)", e, status: problem.status, error: problem.text)
    }

    // MARK: the four editors

    func zoneEditor(_ req: Request, _ f: ZoneForm, isNew: Bool) async throws -> Editor {
        let ap = f.antiPassback ?? "off"
        return Editor(kind: "zones", isNew: isNew, action: isNew ? "/building/zones" : "/building/zones/\(f.id ?? "")", id: f.id ?? "", name: f.name ?? "",
                      checks: [PageOption(value: "workplaceBoundary", label: req.text("workplaceBoundary"), checked: f.workplaceBoundary != nil),
                               PageOption(value: "myNumberArea", label: req.text("myNumberArea"), checked: f.myNumberArea != nil)],
                      selects: [Select(name: "antiPassback", label: req.text("antiPassback"), options: ["off", "soft", "hard"].map {
                          PageOption(value: $0, label: req.text("antiPassback_\($0)"), checked: $0 == ap)
                      })])
    }

    func doorEditor(_ req: Request, _ f: DoorForm, isNew: Bool) async throws -> Editor {
        let zones = try await req.building.zones(), schedules = try await req.building.schedules()
        func zoneOptions(_ chosen: String?) -> [PageOption] {
            [PageOption(value: "", label: req.text("outside"), checked: (chosen ?? "").isEmpty)]
                + zones.map { PageOption(value: $0.id ?? "", label: "\($0.name) (\($0.id ?? ""))", checked: $0.id == chosen) }
        }
        let level = f.securityLevel ?? ""
        return Editor(kind: "doors", isNew: isNew, action: isNew ? "/building/doors" : "/building/doors/\(f.id ?? "")", id: f.id ?? "", name: f.name ?? "",
                      selects: [Select(name: "fromZone", label: req.text("fromZone"), options: zoneOptions(f.fromZone)),
                                Select(name: "toZone", label: req.text("toZone"), options: zoneOptions(f.toZone)),
                                Select(name: "securityLevel", label: req.text("configuredLevel"), options: ["", "tap", "genuine", "pin"].map {
                                    PageOption(value: $0, label: req.text($0.isEmpty ? "level_default" : "level_\($0)"), checked: $0 == level)
                                }),
                                Select(name: "schedule", label: req.text("doorSchedule"),
                                       options: [PageOption(value: "", label: req.text("doorScheduleNone"), checked: (f.schedule ?? "").isEmpty)]
                                           + schedules.map { PageOption(value: $0.id ?? "", label: "\($0.name) (\($0.id ?? ""))", checked: $0.id == f.schedule) })],
                      texts: [TextField(name: "keylessAdmitUntil", label: req.text("keylessAdmitUntil"), value: f.keylessAdmitUntil ?? "", type: "datetime-local",
                                        hint: req.text("keylessAdmitUntilHint"))])
    }

    func groupEditor(_ req: Request, _ f: GroupForm, isNew: Bool) async throws -> Editor {
        let zones = try await req.building.zones(), schedules = try await req.building.schedules()
        let grants = f.grant ?? [:]
        return Editor(kind: "groups", isNew: isNew, action: isNew ? "/building/groups" : "/building/groups/\(f.id ?? "")", id: f.id ?? "", name: f.name ?? "",
                      selects: zones.map { z in
                          let chosen = grants[z.id ?? ""] ?? ""
                          return Select(name: "grant[\(z.id ?? "")]", label: "\(z.name) (\(z.id ?? ""))",
                                        options: [PageOption(value: "", label: req.text("grantNone"), checked: chosen.isEmpty)]
                                            + schedules.map { PageOption(value: $0.id ?? "", label: "\($0.name) (\($0.id ?? ""))", checked: $0.id == chosen) })
                      })
    }

    func scheduleEditor(_ req: Request, _ f: ScheduleForm, isNew: Bool) -> Editor {
        let rule = f.holidayRule ?? "closed"
        return Editor(kind: "schedules", isNew: isNew, action: isNew ? "/building/schedules" : "/building/schedules/\(f.id ?? "")", id: f.id ?? "", name: f.name ?? "",
                      selects: [Select(name: "holidayRule", label: req.text("holidayRule"), options: ["closed", "likeSunday", "ignore"].map {
                          PageOption(value: $0, label: req.text("holidayRule_\($0)"), checked: $0 == rule)
                      })],
                      texts: Self.weekdays.map { TextField(name: $0, label: req.text("day_\($0)"), value: f.windows($0) ?? "", type: "text", hint: req.text("windowsHint")) })
    }
}
