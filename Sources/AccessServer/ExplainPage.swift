import Access
import Foundation
import ServerCore
import Vapor

/// `/building/explain` (admin, security): who can pass a door at a chosen time, or which doors a person
/// may pass and when that day, each with the decision function's reason. A thin page over
/// ``ExplainController``'s two answers (the same audit record, the same policy). A person is chosen by
/// employee number, or found by a part of their name; a 12-digit number is refused unread and never
/// shown again.
struct ExplainPage {
    /// The most people one page lists; the counts cover everyone, the API lists everyone.
    static let rowLimit = 1_000

    struct Row: Encodable, Sendable {
        var number: String
        var name: String
        var department: String
        var grant: Bool
        var text: String
    }
    struct ReasonCount: Encodable, Sendable {
        var label: String
        var count: Int
    }
    struct DoorResult: Encodable, Sendable {
        var id: String
        var name: String
        var level: String
        var at: String
        var granted: Int
        var denied: Int
        var reasons: [ReasonCount]
        var rows: [Row]
        var truncated: Bool
    }
    struct WindowRow: Encodable, Sendable {
        var from: String
        var until: String
        var grant: Bool
        var text: String
    }
    struct PersonDoor: Encodable, Sendable {
        var id: String
        var name: String
        var level: String
        var grant: Bool
        var text: String
        var windows: [WindowRow]
    }
    struct PersonResult: Encodable, Sendable {
        var number: String
        var name: String
        var at: String
        var date: String
        var hasCard: Bool
        var doors: [PersonDoor]
    }
    struct Match: Encodable, Sendable {
        var number: String
        var name: String
        var department: String
    }
    struct PageData: Encodable, Sendable {
        var doors: [PageOption]
        var at: String
        var person: String
        var door: DoorResult?
        var employee: PersonResult?
        var matches: [Match]
        var searched: Bool
    }

    func register(_ app: Application) {
        app.grouped(PageRoleMiddleware(ExplainController.roles)).get("building", "explain", use: show)
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        let policy = req.state.policy.snapshot.policy
        let chosenDoor = try req.queryText("door")
        var data = PageData(doors: policy.doors.values.sorted { $0.id.rawValue < $1.id.rawValue }.map {
            PageOption(value: $0.id.rawValue, label: "\($0.name) (\($0.id))", checked: $0.id.rawValue == chosenDoor)
        }, at: Self.localInput(Date()), person: "", door: nil, employee: nil, matches: [], searched: false)
        do {
            let at: Date
            if let text = try req.queryText("at") {
                guard let parsed = PageTime.parseLocal(text) else {
                    throw APIError(.badRequest, code: "bad_request", ja: "日時は YYYY-MM-DDTHH:MM で指定してください", en: "at: a time is YYYY-MM-DDTHH:MM (Japan time)")
                }
                at = parsed
                data.at = Self.localInput(at)
            } else {
                at = Date()
            }
            if let door = chosenDoor {
                guard BuildingService.isValidID(door) else { throw APIError.notFound("no such door", ja: "扉が見つかりません") }
                data.door = Self.doorResult(try await ExplainController.door(door, at: at, on: req), lang: req.pageLanguage)
            } else if let person = try req.queryText("person") {
                // A 12-digit run may be a My Number typed by mistake: refused, not looked up, not shown again.
                guard !FreeText.containsNumberRun(person) else {
                    throw APIError.invalid("search by employee number or name, never by My Number", ja: "個人番号では検索できません。社員番号か氏名で検索してください")
                }
                let query = String(person.trimmingCharacters(in: .whitespaces).prefix(100))
                data.person = query
                data.searched = true
                if let found = policy.employees.values.first(where: { $0.employeeNumber == query }) {
                    data.employee = Self.personResult(try await ExplainController.employee(found.id, at: at, on: req), lang: req.pageLanguage)
                } else {
                    data.matches = policy.employees.values.filter { !query.isEmpty && $0.name.localizedCaseInsensitiveContains(query) }
                        .sorted { $0.employeeNumber < $1.employeeNumber }.prefix(50)
                        .map { Match(number: $0.employeeNumber, name: $0.name, department: $0.department) }
                }
            }
        } catch {
            let problem = req.pageProblem(error)
            // The language link keeps no query: what was asked may be the very text refused.
            return try await req.renderPage("building-explain", titleKey: "explainTitle", data, status: problem.status, error: problem.text,
                                            switchPath: "/building/explain")
        }
        return try await req.renderPage("building-explain", titleKey: "explainTitle", data)
    }

    /// `yyyy-MM-ddTHH:mm` in Japan time, for `<input type="datetime-local">`.
    static func localInput(_ d: Date) -> String {
        String(PageTime.show(d).prefix(16)).replacingOccurrences(of: " ", with: "T")
    }

    /// The answer's sentence in the page's language; a grant at a `pin` or `genuine` door says what the
    /// person shows.
    static func sentence(_ a: ExplainController.AnswerDTO, lang: PageLanguage) -> String {
        let text = lang == .ja ? a.messageJa : a.messageEn
        guard a.outcome == "grant", a.reason == "granted", a.needs != "tap" else { return text }
        return Messages.text(a.needs == "pin" ? "explainWithPin" : "explainWithGenuine", lang) + " " + text
    }

    static func level(_ raw: String, lang: PageLanguage) -> String { Messages.text("level_\(raw)", lang) }

    static func doorResult(_ d: ExplainController.DoorDTO, lang: PageLanguage) -> DoorResult {
        let reasons = d.reasons.sorted { $0.key < $1.key }.map { code, n in
            ReasonCount(label: DecisionReason.label(forCode: code).map { lang == .ja ? $0.japanese : $0.english } ?? code, count: n)
        }
        let rows = d.people.prefix(rowLimit).map {
            Row(number: $0.employeeNumber, name: $0.name, department: $0.department, grant: $0.answer.outcome == "grant", text: sentence($0.answer, lang: lang))
        }
        return DoorResult(id: d.door, name: d.doorName, level: level(d.securityLevel, lang: lang), at: PageTime.show(d.at), granted: d.granted, denied: d.denied,
                          reasons: reasons, rows: Array(rows), truncated: d.people.count > rowLimit)
    }

    static func personResult(_ e: ExplainController.EmployeeDTO, lang: PageLanguage) -> PersonResult {
        PersonResult(number: e.employeeNumber, name: e.name, at: PageTime.show(e.at), date: e.date, hasCard: e.hasCard, doors: e.doors.map { d in
            PersonDoor(id: d.door, name: d.doorName, level: level(d.securityLevel, lang: lang), grant: d.now.outcome == "grant", text: sentence(d.now, lang: lang),
                       windows: d.windows.map { WindowRow(from: $0.from, until: $0.until, grant: $0.answer.outcome == "grant", text: sentence($0.answer, lang: lang)) })
        })
    }
}
