import Access
import Audit
import Fluent
import Foundation
import Store
import Vapor

/// The event log: search, export (CSV in UTF-8 or Shift_JIS for Excel, JSON), and chain verification.
struct EventsController {
    struct EventDTO: Content {
        var sequence: Int64
        var time: Date
        var kind: String
        var actor: String
        var subject: String
        var details: [String: String]
    }
    struct Verification: Content {
        var intact: Bool
        var count: Int?
        var headSequence: Int64?
        var headHash: String?
        var brokenAt: Int64?
        var problem: String?
    }

    func register(_ routes: any RoutesBuilder) {
        let security = routes.grouped(RoleMiddleware([.admin, .security]))
        security.get("api", "v1", "events", use: search)
        security.get("api", "v1", "events", "export", use: export)
        security.get("api", "v1", "audit", "verify", use: verify)
        security.get("api", "v1", "presence", use: presence)
    }

    /// Filters: `employee` (id), `door`, `kind` (prefix), `outcome` (grant/deny), `from`/`to` (ISO 8601),
    /// `before` (sequence, for paging), `limit` (≤ 1000).
    func query(_ req: Request) throws -> QueryBuilder<AuditRecordModel> {
        var f = EventFilter()
        f.employee = req.query[String.self, at: "employee"]
        f.door = req.query[String.self, at: "door"]
        f.kind = req.query[String.self, at: "kind"]
        f.outcome = req.query[String.self, at: "outcome"]
        if let text = req.query[String.self, at: "from"] {
            guard let d = StrictDate.instant(text) else { throw Abort(.badRequest, reason: "from: \(StrictDate.instantRule)") }
            f.from = d
        }
        if let text = req.query[String.self, at: "to"] {
            guard let d = StrictDate.instant(text) else { throw Abort(.badRequest, reason: "to: \(StrictDate.instantRule)") }
            f.to = d
        }
        f.before = req.query[Int64.self, at: "before"]
        return try Self.query(f, on: req.db)
    }

    /// The search the API and the event log page share.
    struct EventFilter: Sendable {
        var employee: String?
        var door: String?
        var kind: String?
        var outcome: String?
        var from: Date?
        var to: Date?
        var before: Int64?
    }

    static func query(_ f: EventFilter, on db: any Database) throws -> QueryBuilder<AuditRecordModel> {
        var q = AuditRecordModel.query(on: db)
        if let e = f.employee { q = q.filter(\.$subject == "employee:\(e)") }
        if let d = f.door { q = q.filter(\.$actor == "door:\(d)") }
        if let k = f.kind { q = q.filter(\.$kind, .custom("LIKE"), "\(k.replacingOccurrences(of: "%", with: ""))%") }
        if let o = f.outcome {
            guard o == "grant" || o == "deny" else { throw Abort(.badRequest, reason: "outcome must be grant or deny") }
            q = q.filter(\.$details, .custom("LIKE"), "%\"outcome\":\"\(o)\"%")
        }
        if let d = f.from { q = q.filter(\.$timeMillis >= Int64(d.timeIntervalSince1970 * 1000)) }
        if let d = f.to { q = q.filter(\.$timeMillis < Int64(d.timeIntervalSince1970 * 1000)) }
        if let b = f.before { q = q.filter(\.$id < b) }
        return q
    }

    static func dto(_ m: AuditRecordModel) -> EventDTO {
        EventDTO(sequence: m.id ?? 0, time: Date(timeIntervalSince1970: Double(m.timeMillis) / 1000), kind: m.kind, actor: m.actor, subject: m.subject,
                 details: (try? JSONDecoder().decode([String: String].self, from: Data(m.details.utf8))) ?? [:])
    }

    @Sendable func search(_ req: Request) async throws -> [EventDTO] {
        try await req.state.events.flush()
        let limit = req.queryLimit(default: 100, maximum: 1000)
        return try await query(req).sort(\.$id, .descending).limit(limit).all().map(Self.dto)
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        try await req.state.events.flush()
        let format = req.query[String.self, at: "format"] ?? "csv"
        let encoding = req.query[String.self, at: "encoding"] ?? "utf-8"
        let rows = try await query(req).sort(\.$id, .ascending).limit(100_000).all().map(Self.dto)
        try await req.audit(kind: "events.exported", subject: "events", details: ["format": format, "rows": String(rows.count)])
        let iso = ISO8601DateFormatter()
        switch format {
        case "json":
            let e = JSONEncoder()
            e.dateEncodingStrategy = .iso8601
            e.outputFormatting = [.sortedKeys]
            let res = Response(status: .ok, body: .init(data: try e.encode(rows)))
            res.headers.contentType = .json
            res.headers.contentDisposition = .init(.attachment, filename: "mynagate-events.json")
            return res
        case "csv":
            var text = "sequence,time,kind,actor,subject,outcome,reason,details\r\n"
            for r in rows {
                let fields = [String(r.sequence), iso.string(from: r.time), r.kind, r.actor, r.subject, r.details["outcome"] ?? "", r.details["reason"] ?? "",
                              r.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")]
                text += CSVField.line(fields) + "\r\n"
            }
            let data: Data
            switch encoding {
            case "utf-8": data = Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)  // BOM so Excel reads UTF-8
            case "shift_jis":
                guard let d = text.data(using: .shiftJIS, allowLossyConversion: true) else { throw Abort(.internalServerError, reason: "Shift_JIS conversion failed") }
                data = d
            default: throw Abort(.badRequest, reason: "encoding must be utf-8 or shift_jis")
            }
            let res = Response(status: .ok, body: .init(data: data))
            res.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=\(encoding == "utf-8" ? "utf-8" : "Shift_JIS")")
            res.headers.contentDisposition = .init(.attachment, filename: "mynagate-events.csv")
            return res
        default:
            throw Abort(.badRequest, reason: "format must be csv or json")
        }
    }

    @Sendable func verify(_ req: Request) async throws -> Verification {
        try await req.state.events.flush()
        switch try await AuditStore.verify(on: req.db) {
        case .intact(let n, let head):
            return Verification(intact: true, count: n, headSequence: head?.sequence, headHash: head?.hashHex)
        case .broken(let at, let why):
            return Verification(intact: false, brokenAt: at, problem: why.description)
        }
    }

    struct PresenceDTO: Content {
        var zone: String
        var employees: [String]
    }

    @Sendable func presence(_ req: Request) async throws -> [PresenceDTO] {
        let state = await req.state.presence.state
        var byZone: [String: [String]] = [:]
        for (e, z) in state.zoneOf { byZone[z.rawValue, default: []].append(e.rawValue) }
        return byZone.sorted { $0.key < $1.key }.map { PresenceDTO(zone: $0.key, employees: $0.value.sorted()) }
    }
}
