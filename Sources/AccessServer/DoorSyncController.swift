import Access
import Audit
import DoorProtocol
import Fluent
import Foundation
import ServerCore
import Store
import Vapor

/// What offline door agents need from the server: a signed snapshot of the policy for their door
/// (full or a delta by version), an idempotent upload of the decisions they took, a heartbeat, and a
/// push channel announcing new policy versions.
///
/// Door-token routes: the agent's own bearer token only (a staff session gets 403; see
/// ``DoorAuthMiddleware``). Bodies use ``DoorWire``'s JSON so server and agent read the same bytes.
struct DoorSyncController {
    package func register(_ routes: any RoutesBuilder) {
        let door = routes.grouped("api", "v1", "doors", ":id").grouped(DoorAuthMiddleware(allowStaff: false))
        door.get("snapshot", use: snapshot)
        // 1,000 events of a few hundred bytes each do not fit the default 256 kB.
        door.on(.POST, "events", body: .collect(maxSize: "2mb"), use: events)
        door.post("heartbeat", use: heartbeat)
        door.webSocket("push", onUpgrade: push)
        let staff = routes.grouped(RoleMiddleware([.admin, .security]))
        staff.get("api", "v1", "doors", "status", use: status)
        staff.get("api", "v1", "doors", "quarantine", use: quarantine)
    }

    // MARK: Snapshot

    @Sendable package func snapshot(_ req: Request) async throws -> Response {
        let doorID = DoorID(rawValue: try req.parameters.require("id"))
        // A signed snapshot resets the agent's staleness clock: a server that cannot confirm its own
        // policy must not vouch for one. The agent keeps its snapshot and applies its own stale rule.
        guard !req.state.policyIsStale() else {
            throw Abort(.serviceUnavailable, reason: "this server could not confirm its policy is current; keep the snapshot you have")
        }
        let policy = await req.state.policy.current
        guard let door = policy.doors[doorID] else { throw Abort(.notFound, reason: "no such door") }
        let since = try req.queryInteger("since")
        let floor = try await CredentialVersionStamp.deltaFloor(on: req.db)
        // A delta needs a starting point this server can vouch for: a version it has passed (an agent
        // ahead of this server was talking to a newer one) and not before a deletion it cannot replay.
        let full = since.map { $0 <= 0 || $0 > policy.version || $0 < floor } ?? true
        // The agent's random nonce, signed back inside the body: a body recorded and replayed later
        // carries another request's nonce, and the agent refuses it.
        let nonce = req.query[String.self, at: "nonce"]
        if let nonce {
            guard (16...128).contains(nonce.count), nonce.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw Abort(.badRequest, reason: "nonce must be 16 to 128 letters, digits, - or _")
            }
        }
        // A door with its own hours goes only to an agent that decides them: an older one would drop the
        // field and open outside them. Refused, it keeps its snapshot until that is stale, then follows its
        // fail mode (secure by default); the administrator upgrades it.
        let declared = req.query[String.self, at: "features"] ?? ""
        guard declared.count <= 256 else { throw Abort(.badRequest, reason: "features is at most 256 characters") }
        let features = Set(declared.split(separator: ",").map(String.init))
        if door.schedule != nil, !features.contains("doorSchedule") {
            throw APIError(.conflict, code: "agent_too_old", ja: "この扉には利用時間が設定されています。扉のエージェントを更新してください",
                           en: "this door has its own hours, which this agent does not decide; upgrade the agent")
        }
        var snapshot = try await DoorSnapshotBuilder.build(door: door, policy: policy, since: full ? nil : since, on: req.db)
        snapshot.nonce = nonce
        let body = try DoorWire.encoder().encode(snapshot)
        let response = Response(status: .ok, body: .init(data: body))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: DoorWire.signatureHeader, value: try req.application.snapshotSigner.signature(for: body).base64EncodedString())
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        req.state.metrics.increment("mynagate_door_snapshots_total", labels: ["full": String(full)])
        return response
    }

    // MARK: Events

    @Sendable package func events(_ req: Request) async throws -> Response {
        let doorID = try req.parameters.require("id")
        let batch: DoorEventBatch = try Self.decode(req)
        guard batch.events.count <= DoorEventBatch.maxEvents else {
            throw Abort(.payloadTooLarge, reason: "at most \(DoorEventBatch.maxEvents) events per batch")
        }
        var seen = Set<UUID>()
        var unique: [DoorEvent] = []
        for e in batch.events {
            try DoorEventCheck.validate(e, door: doorID)
            if seen.insert(e.id).inserted { unique.append(e) }
        }
        let receivedAt = Date()
        let config = req.state.config
        let window = DoorEventVetting.Window(now: receivedAt, skew: TimeInterval(config.doorEventFutureSkewSeconds),
                                             maxAge: TimeInterval(config.doorEventMaxAgeDays) * 86_400,
                                             registeredAt: try await DoorTokens.registeredAt(door: doorID, on: req.db))
        let verdicts = try await DoorEventVetting.vet(unique, window: window, on: req.db)
        let fresh = Array(zip(unique, verdicts))
        let records = try await req.state.events.appendNow(building: { tx in
            // Read inside the transaction: a retry after another server stored some of these sees them.
            var stored = Set<UUID>()
            for start in stride(from: 0, to: fresh.count, by: 500) {
                let chunk = fresh[start..<min(start + 500, fresh.count)].map(\.0.id)
                stored.formUnion(try await DoorEventModel.query(on: tx).filter(\.$id ~~ chunk).field(\.$id).all().compactMap(\.id))
            }
            let new = fresh.filter { !stored.contains($0.0.id) }
            guard !new.isEmpty else { return [] }
            // Every id is kept, quarantined or not, so a retried upload is a duplicate either way.
            try await new.map { DoorEventModel(id: $0.0.id, door: doorID, eventTime: $0.0.time, receivedAt: receivedAt) }.create(on: tx)
            var drafts: [AuditDraft] = []
            var quarantined: [QuarantinedDoorEventModel] = []
            let encoder = DoorWire.encoder()
            for (e, verdict) in new {
                switch verdict {
                case .accept(let subject):
                    drafts.append(DoorEventCheck.draft(for: e, subject: subject, door: doorID, at: receivedAt))
                case .quarantine(let reason, let holder):
                    let body = String(decoding: try encoder.encode(e), as: UTF8.self)
                    quarantined.append(QuarantinedDoorEventModel(id: e.id, door: doorID, eventTime: e.time, receivedAt: receivedAt, reason: reason.rawValue,
                                                                 resolvedEmployee: holder?.rawValue, body: body))
                    drafts.append(DoorEventCheck.quarantineDraft(for: e, reason: reason, holder: holder, door: doorID, at: receivedAt))
                }
            }
            // One insert for the batch: this runs while the event log's chain is held.
            if !quarantined.isEmpty { try await quarantined.create(on: tx) }
            return drafts
        })
        let quarantined = records.filter { $0.kind == DoorEventCheck.quarantinedKind }.count
        let result = DoorEventBatchResult(accepted: records.count - quarantined, duplicates: batch.events.count - records.count, quarantined: quarantined)
        if quarantined > 0 {
            req.logger.warning("door \(doorID): \(quarantined) uploaded event(s) quarantined (see GET /api/v1/doors/quarantine)")
        }
        req.state.metrics.increment("mynagate_door_events_total", labels: ["result": "accepted"], by: result.accepted)
        req.state.metrics.increment("mynagate_door_events_total", labels: ["result": "duplicate"], by: result.duplicates)
        req.state.metrics.increment("mynagate_door_events_total", labels: ["result": "quarantined"], by: result.quarantined)
        return try Self.wire(result)
    }

    // MARK: Quarantine

    /// One quarantined event, for security officers and administrators.
    struct QuarantinedEventDTO: Content {
        package var id: UUID
        package var door: String
        package var eventTime: Date
        var receivedAt: Date
        package var reason: String
        var reasonText: String
        package var serial: String
        package var outcome: String
        var doorReason: String
        /// The person the door named, if any.
        var claimedEmployee: String?
        /// The card's holder by the server's own records, if known.
        package var holder: String?
    }

    @Sendable func quarantine(_ req: Request) async throws -> [QuarantinedEventDTO] {
        let limit = min(max(try req.queryInteger("limit") ?? 200, 1), 1_000)
        return try await Self.quarantined(limit: limit, on: req.db)
    }

    /// The most recently received quarantined events, newest first.
    static func quarantined(limit: Int, on db: any Database) async throws -> [QuarantinedEventDTO] {
        try await QuarantinedDoorEventModel.query(on: db).sort(\.$receivedAt, .descending).limit(limit).all().compactMap { m in
            guard let id = m.id else { return nil }
            // The body was written by this server from a decoded event; one that no longer reads is shown
            // by its columns only rather than hiding the row.
            let e = try? DoorWire.decoder().decode(DoorEvent.self, from: Data(m.body.utf8))
            return QuarantinedEventDTO(id: id, door: m.door, eventTime: m.eventTime, receivedAt: m.receivedAt, reason: m.reason,
                                       reasonText: DoorEventVetting.Reason(rawValue: m.reason)?.english ?? m.reason, serial: e?.serial.uppercased() ?? "",
                                       outcome: e?.outcome.rawValue ?? "", doorReason: e?.reason ?? "", claimedEmployee: e?.employee?.rawValue,
                                       holder: m.resolvedEmployee)
        }
    }

    // MARK: Heartbeat and status

    @Sendable package func heartbeat(_ req: Request) async throws -> HTTPStatus {
        let doorID = try req.parameters.require("id")
        let beat: DoorHeartbeat = try Self.decode(req)
        guard beat.snapshotVersion >= 0, beat.outboxDepth >= 0, doorID.schemaLength <= 128 else { throw Abort(.badRequest, reason: "negative version or outbox depth") }
        // Only configured doors have a status row: no one can fill the dashboard with doors that do not exist.
        guard await req.state.policy.current.doors[DoorID(rawValue: doorID)] != nil else { throw Abort(.notFound, reason: "no such door") }
        for attempt in 0..<2 {
            let m = try await DoorStatusModel.find(doorID, on: req.db) ?? DoorStatusModel()
            m.id = doorID
            m.snapshotVersion = beat.snapshotVersion
            m.mode = beat.mode.rawValue
            m.offlineSince = beat.offlineSince
            m.staleSince = beat.staleSince
            m.outboxDepth = beat.outboxDepth
            m.receivedAt = Date()
            do {
                try await m.save(on: req.db)
                break
            } catch where attempt == 0 {
                // Two first heartbeats raced to create the row: the second updates it.
                continue
            }
        }
        return .noContent
    }

    /// One door's last heartbeat, for the dashboard and monitoring.
    struct DoorStatusDTO: Content {
        package var door: String
        package var name: String?
        var lastHeartbeat: Date?
        var ageSeconds: Int?
        package var snapshotVersion: Int?
        var policyVersion: Int
        package var mode: String?
        var offlineSince: Date?
        var staleSince: Date?
        var outboxDepth: Int?
    }

    @Sendable package func status(_ req: Request) async throws -> [DoorStatusDTO] {
        try await Self.statuses(req)
    }

    /// Every configured door, and any door still reporting though no longer configured.
    package static func statuses(_ req: Request) async throws -> [DoorStatusDTO] {
        let policy = await req.state.policy.current
        let beats = Dictionary(try await DoorStatusModel.query(on: req.db).all().compactMap { m in m.id.map { ($0, m) } }, uniquingKeysWith: { $1 })
        let ids = Set(policy.doors.keys.map(\.rawValue)).union(beats.keys).sorted()
        let now = Date()
        return ids.map { id in
            let m = beats[id]
            return DoorStatusDTO(door: id, name: policy.doors[DoorID(rawValue: id)]?.name, lastHeartbeat: m?.receivedAt,
                                 ageSeconds: m.map { Int(now.timeIntervalSince($0.receivedAt)) }, snapshotVersion: m?.snapshotVersion,
                                 policyVersion: policy.version, mode: m?.mode, offlineSince: m?.offlineSince, staleSince: m?.staleSince,
                                 outboxDepth: m?.outboxDepth)
        }
    }

    // MARK: Push

    @Sendable package func push(_ req: Request, _ ws: WebSocket) async {
        let doorID = (try? req.parameters.require("id")) ?? ""
        // Only a door's agent gets here (with its token): the connection is tied to that token.
        let tokenHash = req.headers.bearerAuthorization.map { DoorTokens.hash($0.token) }
        ws.pingInterval = .seconds(20)
        req.state.doorPush.add(ws, door: doorID, tokenHash: tokenHash, version: req.state.policy.snapshot.policy.version)
    }

    // MARK: Wire

    package static func decode<T: Decodable>(_ req: Request) throws -> T {
        guard let buffer = req.body.data else { throw Abort(.badRequest, reason: "empty body") }
        do {
            return try DoorWire.decoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw Abort(.badRequest, reason: "body is not a valid \(T.self)")
        }
    }

    package static func wire<T: Encodable>(_ value: T) throws -> Response {
        let response = Response(status: .ok, body: .init(data: try DoorWire.encoder().encode(value)))
        response.headers.contentType = .json
        return response
    }
}

/// Checks an uploaded event before it reaches the hash-chained log, and words its record.
enum DoorEventCheck {
    package static func validate(_ e: DoorEvent, door: String) throws {
        // Well-formed but not this door's: a rule the body's schema cannot state (it names the URL), so 422.
        guard e.door.rawValue == door else { throw Abort(.unprocessableEntity, reason: "event \(e.id) is for another door") }
        guard e.serial.schemaLength <= 42, e.serial.isASCIIHex else { throw Abort(.badRequest, reason: "event \(e.id): serial must be hex, at most 21 bytes") }
        // Lengths in Unicode scalars, as the OpenAPI document's maxLength counts them.
        guard (e.issuer?.unicodeScalars.count ?? 0) <= 512, (e.employee?.rawValue.unicodeScalars.count ?? 0) <= 64 else {
            throw Abort(.badRequest, reason: "event \(e.id): issuer or employee too long")
        }
        guard e.reason.schemaLength <= 64, e.reason.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw Abort(.badRequest, reason: "event \(e.id): reason must be a decision reason code")
        }
        guard e.warnings.count <= 8, e.warnings.allSatisfy({ $0.unicodeScalars.count <= 64 }) else { throw Abort(.badRequest, reason: "event \(e.id): too many warnings") }
    }

    /// The audit kind of a quarantined upload (never read by attendance, which reads `door.decision`).
    static let quarantinedKind = "door.event_quarantined"

    /// The record: the same kind and details as an online decision, plus where it came from. The subject
    /// is the server's own finding (``DoorEventVetting``), not the agent's claim.
    package static func draft(for e: DoorEvent, subject: String, door: String, at receivedAt: Date) -> AuditDraft {
        AuditDraft(time: receivedAt, kind: "door.decision", actor: "door:\(door)", subject: subject, details: details(of: e, door: door))
    }

    /// The record of a quarantined upload: what the door claimed, and why the server did not believe it.
    static func quarantineDraft(for e: DoorEvent, reason: DoorEventVetting.Reason, holder: EmployeeID?, door: String, at receivedAt: Date) -> AuditDraft {
        var details = details(of: e, door: door)
        details["quarantine"] = reason.rawValue
        details["why"] = reason.english
        if let claimed = e.employee { details["claimedEmployee"] = claimed.rawValue }
        return AuditDraft(time: receivedAt, kind: quarantinedKind, actor: "door:\(door)",
                          subject: holder.map { "employee:\($0.rawValue)" } ?? "credential:\(e.serial.uppercased())", details: details)
    }

    package static func details(of e: DoorEvent, door: String) -> [String: String] {
        var details = ["outcome": e.outcome.rawValue, "reason": e.reason, "door": door, "serial": e.serial.uppercased(),
                       "warnings": e.warnings.joined(separator: ","), "offline": String(e.offline), "eventId": e.id.uuidString.lowercased(),
                       "snapshotVersion": String(e.snapshotVersion),
                       "eventTime": e.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))]
        if let issuer = e.issuer { details["issuer"] = issuer }
        return details
    }
}
