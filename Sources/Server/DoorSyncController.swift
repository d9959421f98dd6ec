import Access
import Audit
import DoorProtocol
import Fluent
import Foundation
import Store
import Vapor

/// What offline door agents need from the server: a signed snapshot of the policy for their door
/// (full or a delta by version), an idempotent upload of the decisions they took, a heartbeat, and a
/// push channel announcing new policy versions.
///
/// Door-token routes, like decisions: the agent's own bearer token, or a signed-in administrator or
/// security officer. Bodies use ``DoorWire``'s JSON so server and agent read the same bytes.
struct DoorSyncController {
    func register(_ routes: any RoutesBuilder) {
        let door = routes.grouped("api", "v1", "doors", ":id").grouped(DoorAuthMiddleware())
        door.get("snapshot", use: snapshot)
        // 1,000 events of a few hundred bytes each do not fit the default 256 kB.
        door.on(.POST, "events", body: .collect(maxSize: "2mb"), use: events)
        door.post("heartbeat", use: heartbeat)
        door.webSocket("push", onUpgrade: push)
        routes.grouped(RoleMiddleware([.admin, .security])).get("api", "v1", "doors", "status", use: status)
    }

    // MARK: Snapshot

    @Sendable func snapshot(_ req: Request) async throws -> Response {
        let doorID = DoorID(rawValue: try req.parameters.require("id"))
        let policy = await req.state.policy.current
        guard let door = policy.doors[doorID] else { throw Abort(.notFound, reason: "no such door") }
        let since = req.query[Int.self, at: "since"]
        let floor = try await CredentialVersionStamp.deltaFloor(on: req.db)
        // A delta needs a starting point this server can vouch for: a version it has passed (an agent
        // ahead of this server was talking to a newer one) and not before a deletion it cannot replay.
        let full = since.map { $0 <= 0 || $0 > policy.version || $0 < floor } ?? true
        let snapshot = try await DoorSnapshotBuilder.build(door: door, policy: policy, since: full ? nil : since, on: req.db)
        let body = try DoorWire.encoder().encode(snapshot)
        let response = Response(status: .ok, body: .init(data: body))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: DoorWire.signatureHeader, value: try req.state.snapshotSigner.signature(for: body).base64EncodedString())
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        req.state.metrics.increment("mynagate_door_snapshots_total", labels: ["full": String(full)])
        return response
    }

    // MARK: Events

    @Sendable func events(_ req: Request) async throws -> Response {
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
        let fresh = unique
        let records = try await req.state.events.appendNow(building: { tx in
            // Read inside the transaction: a retry after another server stored some of these sees them.
            var stored = Set<UUID>()
            for start in stride(from: 0, to: fresh.count, by: 500) {
                let chunk = fresh[start..<min(start + 500, fresh.count)].map(\.id)
                stored.formUnion(try await DoorEventModel.query(on: tx).filter(\.$id ~~ chunk).field(\.$id).all().compactMap(\.id))
            }
            let new = fresh.filter { !stored.contains($0.id) }
            guard !new.isEmpty else { return [] }
            try await new.map { DoorEventModel(id: $0.id, door: doorID, eventTime: $0.time, receivedAt: receivedAt) }.create(on: tx)
            return new.map { DoorEventCheck.draft(for: $0, door: doorID, at: receivedAt) }
        })
        let result = DoorEventBatchResult(accepted: records.count, duplicates: batch.events.count - records.count)
        req.state.metrics.increment("mynagate_door_events_total", labels: ["result": "accepted"], by: result.accepted)
        req.state.metrics.increment("mynagate_door_events_total", labels: ["result": "duplicate"], by: result.duplicates)
        return try Self.wire(result)
    }

    // MARK: Heartbeat and status

    @Sendable func heartbeat(_ req: Request) async throws -> HTTPStatus {
        let doorID = try req.parameters.require("id")
        let beat: DoorHeartbeat = try Self.decode(req)
        guard beat.snapshotVersion >= 0, beat.outboxDepth >= 0, doorID.count <= 128 else { throw Abort(.badRequest, reason: "negative version or outbox depth") }
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
        var door: String
        var name: String?
        var lastHeartbeat: Date?
        var ageSeconds: Int?
        var snapshotVersion: Int?
        var policyVersion: Int
        var mode: String?
        var offlineSince: Date?
        var staleSince: Date?
        var outboxDepth: Int?
    }

    @Sendable func status(_ req: Request) async throws -> [DoorStatusDTO] {
        try await Self.statuses(req)
    }

    /// Every configured door, and any door still reporting though no longer configured.
    static func statuses(_ req: Request) async throws -> [DoorStatusDTO] {
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

    @Sendable func push(_ req: Request, _ ws: WebSocket) async {
        let doorID = (try? req.parameters.require("id")) ?? ""
        // A staff session has no token to revoke; a door's connection is tied to its token.
        let tokenHash = req.auth.get(SessionUser.self) == nil ? req.headers.bearerAuthorization.map { DoorTokens.hash($0.token) } : nil
        ws.pingInterval = .seconds(20)
        req.state.doorPush.add(ws, door: doorID, tokenHash: tokenHash, version: req.state.policy.snapshot.policy.version)
    }

    // MARK: Wire

    static func decode<T: Decodable>(_ req: Request) throws -> T {
        guard let buffer = req.body.data else { throw Abort(.badRequest, reason: "empty body") }
        do {
            return try DoorWire.decoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw Abort(.badRequest, reason: "body is not a valid \(T.self)")
        }
    }

    static func wire<T: Encodable>(_ value: T) throws -> Response {
        let response = Response(status: .ok, body: .init(data: try DoorWire.encoder().encode(value)))
        response.headers.contentType = .json
        return response
    }
}

/// Checks an uploaded event before it reaches the hash-chained log, and words its record.
enum DoorEventCheck {
    static func validate(_ e: DoorEvent, door: String) throws {
        guard e.door.rawValue == door else { throw Abort(.badRequest, reason: "event \(e.id) is for another door") }
        guard e.serial.count <= 42, e.serial.allSatisfy(\.isHexDigit) else { throw Abort(.badRequest, reason: "event \(e.id): serial must be hex, at most 21 bytes") }
        guard (e.issuer?.count ?? 0) <= 512, (e.employee?.rawValue.count ?? 0) <= 64 else { throw Abort(.badRequest, reason: "event \(e.id): issuer or employee too long") }
        guard e.reason.count <= 64, e.reason.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw Abort(.badRequest, reason: "event \(e.id): reason must be a decision reason code")
        }
        guard e.warnings.count <= 8, e.warnings.allSatisfy({ $0.count <= 64 }) else { throw Abort(.badRequest, reason: "event \(e.id): too many warnings") }
    }

    /// The record: the same kind and details as an online decision, plus where it came from.
    static func draft(for e: DoorEvent, door: String, at receivedAt: Date) -> AuditDraft {
        var details = ["outcome": e.outcome.rawValue, "reason": e.reason, "door": door, "serial": e.serial.uppercased(),
                       "warnings": e.warnings.joined(separator: ","), "offline": String(e.offline), "eventId": e.id.uuidString.lowercased(),
                       "snapshotVersion": String(e.snapshotVersion),
                       "eventTime": e.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))]
        if let issuer = e.issuer { details["issuer"] = issuer }
        return AuditDraft(time: receivedAt, kind: "door.decision", actor: "door:\(door)",
                          subject: e.employee.map { "employee:\($0)" } ?? "credential:\(e.serial.uppercased())", details: details)
    }
}
