import Access
import Audit
import Fluent
import Foundation
import Store
import Vapor

/// The event log: search, export (CSV in UTF-8 or Shift_JIS for Excel, JSON), and chain verification.
struct EventsController {
    struct EventDTO: Content {
        package var sequence: Int64
        package var time: Date
        package var kind: String
        package var actor: String
        package var subject: String
        package var details: [String: String]
    }
    package struct Verification: Content {
        package var intact: Bool
        package var count: Int?
        var headSequence: Int64?
        var headHash: String?
        package var brokenAt: Int64?
        package var problem: String?
    }

    package func register(_ routes: any RoutesBuilder) {
        let security = routes.grouped(RoleMiddleware([.admin, .security]))
        security.get("api", "v1", "events", use: search)
        security.get("api", "v1", "events", "export", use: export)
        security.get("api", "v1", "audit", "verify", use: verify)
        security.get("api", "v1", "presence", use: presence)
    }

    /// Filters: `employee` (id), `door`, `kind` (prefix), `outcome` (grant/deny), `from`/`to` (ISO 8601),
    /// `before` (sequence, for paging), `limit` (≤ 1000).
    package func query(_ req: Request) throws -> QueryBuilder<AuditRecordModel> {
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
        f.before = try req.queryInteger("before").map(Int64.init)
        return try Self.query(f, on: req.db)
    }

    /// The search the API and the event log page share.
    struct EventFilter: Sendable {
        package var employee: String?
        package var door: String?
        package var kind: String?
        package var outcome: String?
        package var from: Date?
        package var to: Date?
        package var before: Int64?
    }

    package static func query(_ f: EventFilter, on db: any Database) throws -> QueryBuilder<AuditRecordModel> {
        var q = AuditRecordModel.query(on: db)
        if let e = f.employee { q = q.filter(\.$subject == "employee:\(e)") }
        if let d = f.door { q = q.filter(\.$actor == "door:\(d)") }
        if let k = f.kind { q = q.filter(\.$kind, .custom("LIKE"), "\(k.replacingOccurrences(of: "%", with: ""))%") }
        if let o = f.outcome {
            guard o == "grant" || o == "deny" else { throw Abort(.badRequest, reason: "outcome must be grant or deny") }
            // The indexed column (AddAuditOutcomeColumn), not a LIKE on the details JSON.
            q = q.filter(\.$outcome == o)
        }
        if let d = f.from { q = q.filter(\.$timeMillis >= Int64(d.timeIntervalSince1970 * 1000)) }
        if let d = f.to { q = q.filter(\.$timeMillis < Int64(d.timeIntervalSince1970 * 1000)) }
        if let b = f.before { q = q.filter(\.$id < b) }
        return q
    }

    /// A record as the API shows it; details that cannot be read are an error naming the record, not
    /// an empty map.
    package static func dto(_ m: AuditRecordModel) throws -> EventDTO {
        let sequence = try m.requireID()
        let details: [String: String]
        do { details = try JSONDecoder().decode([String: String].self, from: Data(m.details.utf8)) } catch {
            throw Abort(.internalServerError, reason: "event log record \(sequence): its details cannot be read (the row is damaged)")
        }
        return EventDTO(sequence: sequence, time: Date(timeIntervalSince1970: Double(m.timeMillis) / 1000), kind: m.kind, actor: m.actor, subject: m.subject,
                        details: details)
    }

    @Sendable func search(_ req: Request) async throws -> [EventDTO] {
        try await req.state.events.flush()
        let limit = try req.queryLimit(default: 100, maximum: 1000)
        return try await query(req).sort(\.$id, .descending).limit(limit).all().map(Self.dto)
    }

    /// Rows read and written per step of an export.
    static let exportPageSize = 1_000

    /// Every matching record, however many (a compliance export that stops at some count without
    /// saying so is worse than none): records up to the log's head when the export starts are read a
    /// page at a time by sequence and written to the response as they are read, so memory stays flat.
    /// A failure midway ends the response without its last chunk, so the client sees a broken transfer,
    /// never a short file that looks complete.
    @Sendable package func export(_ req: Request) async throws -> Response {
        try await req.state.events.flush()
        let format = req.query[String.self, at: "format"] ?? "csv"
        let encoding = req.query[String.self, at: "encoding"] ?? "utf-8"
        guard format == "csv" || format == "json" else { throw Abort(.badRequest, reason: "format must be csv or json") }
        guard encoding == "utf-8" || encoding == "shift_jis" else { throw Abort(.badRequest, reason: "encoding must be utf-8 or shift_jis") }
        // The export is of the log as it is now: later records (this export's own audit record among
        // them) are not in it, and the count logged is the count written.
        let head = try await AuditRecordModel.query(on: req.db).max(\.$id) ?? 0
        let count = try await query(req).filter(\.$id <= head).count()
        try await req.audit(kind: "events.exported", subject: "events", details: ["format": format, "rows": String(count)])
        let pageSize = Self.exportPageSize
        let body = Response.Body(asyncStream: { writer in
            do {
                var after: Int64 = 0
                var first = true
                switch format {
                case "json": try await writer.write(.buffer(ByteBuffer(string: "[")))
                default:
                    var header = Data(encoding == "utf-8" ? [0xEF, 0xBB, 0xBF] : [])  // BOM so Excel reads UTF-8
                    header += try Self.encode("sequence,time,kind,actor,subject,outcome,reason,details\r\n", encoding)
                    try await writer.write(.buffer(ByteBuffer(data: header)))
                }
                let iso = ISO8601DateFormatter()
                let json = JSONEncoder()
                json.dateEncodingStrategy = .iso8601
                json.outputFormatting = [.sortedKeys]
                while true {
                    let page = try await query(req).filter(\.$id > after).filter(\.$id <= head).sort(\.$id, .ascending).limit(pageSize).all()
                    guard let last = page.last else { break }
                    after = try last.requireID()
                    var chunk = Data()
                    for m in page {
                        let r = try Self.dto(m)
                        if format == "json" {
                            if !first { chunk += Data(",".utf8) }
                            chunk += try json.encode(r)
                        } else {
                            let fields = [String(r.sequence), iso.string(from: r.time), r.kind, r.actor, r.subject, r.details["outcome"] ?? "", r.details["reason"] ?? "",
                                          r.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")]
                            chunk += try Self.encode(CSVField.line(fields) + "\r\n", encoding)
                        }
                        first = false
                    }
                    try await writer.write(.buffer(ByteBuffer(data: chunk)))
                }
                if format == "json" { try await writer.write(.buffer(ByteBuffer(string: "]"))) }
                try await writer.write(.end)
            } catch {
                // The database's own text can quote a row: the log gets the safe description.
                req.logger.error("event export failed midway: \(HealthRegistry.describe(error))")
                do {
                    // Ends the response without its last chunk: the client sees a broken transfer.
                    try await writer.write(.error(error))
                } catch {
                    // The connection is already gone: the client has a broken transfer either way.
                    req.logger.notice("event export: the client was gone before the failure could be signalled")
                }
            }
        })
        let res = Response(status: .ok, body: body)
        if format == "json" {
            res.headers.contentType = .json
            res.headers.contentDisposition = .init(.attachment, filename: "mynagate-events.json")
        } else {
            res.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=\(encoding == "utf-8" ? "utf-8" : "Shift_JIS")")
            res.headers.contentDisposition = .init(.attachment, filename: "mynagate-events.csv")
        }
        return res
    }

    /// CSV text in the export's encoding (Shift_JIS for older Excel; characters it lacks become `?`).
    package static func encode(_ text: String, _ encoding: String) throws -> Data {
        if encoding == "utf-8" { return Data(text.utf8) }
        guard let d = ShiftJIS.encode(text, lossy: true) else { throw Abort(.internalServerError, reason: "Shift_JIS conversion failed") }
        return d
    }

    @Sendable package func verify(_ req: Request) async throws -> Verification {
        try await req.state.events.flush()
        switch try await AuditStore.verify(on: req.db) {
        case .intact(let n, let head):
            return Verification(intact: true, count: n, headSequence: head?.sequence, headHash: head?.hashHex)
        case .broken(let at, let why):
            return Verification(intact: false, brokenAt: at, problem: why.description)
        }
    }

    struct PresenceDTO: Content {
        package var zone: String
        package var employees: [String]
    }

    @Sendable package func presence(_ req: Request) async throws -> [PresenceDTO] {
        let state = await req.state.presence.state
        // Where people are is personal: the look is recorded, as the evacuation roll call's are.
        try await req.audit(kind: "presence.viewed", subject: "presence", details: ["people": String(state.zoneOf.count)])
        var byZone: [String: [String]] = [:]
        for (e, z) in state.zoneOf { byZone[z.rawValue, default: []].append(e.rawValue) }
        return byZone.sorted { $0.key < $1.key }.map { PresenceDTO(zone: $0.key, employees: $0.value.sorted()) }
    }
}
