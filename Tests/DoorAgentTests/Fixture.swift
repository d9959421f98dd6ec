import Access
import Crypto
import DoorAgent
import DoorProtocol
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Synchronization
import X509

/// One test hierarchy, two issued cards and a snapshot key for the whole suite: RSA key generation is
/// the slow part. Each test starts fresh virtual cards from the saved states.
enum Fixture {
    static let pin = "1234"
    static let hierarchy: TestJPKIHierarchy = try! TestJPKIHierarchy.generate()
    static let holder = CardHolder(name: "扉 太郎", address: "東京都千代田区丸の内一丁目1番1号", birthDate: "19850505", sex: .male,
                                   myNumberDigits: "123456789018")
    /// A day ago, so the certificates are valid whatever the test clock says.
    static let issued = Date().addingTimeInterval(-86_400)
    /// An enrolled card.
    static let enrolled: VirtualCardState = try! hierarchy.issueCard(holder: holder, authPIN: pin, signingPassword: "ABC123",
                                                                     visualPINB: nil, issuedAt: issued)
    /// A card nobody enrolled.
    static let stranger: VirtualCardState = try! hierarchy.issueCard(holder: holder, authPIN: pin, signingPassword: "ABC123",
                                                                     visualPINB: nil, issuedAt: issued)
    static let signingKey = Curve25519.Signing.PrivateKey()
    static var publicKeyBase64: String { signingKey.publicKey.rawRepresentation.base64EncodedString() }

    static func serialHex(_ state: VirtualCardState) -> String {
        let c = try! Certificate(derEncoded: state.authCertificate)
        return c.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
    }

    static func card(_ v: VirtualMynaCard) -> MynaCard { MynaCard(transport: EmulatedCardTransport(card: v)) }

    static let credentialKey = CredentialKey(issuer: "TEST-JPKI-AUTH-CA", serial: serialHex(enrolled))

    /// A full snapshot for `door`: a tap door from outside into the office, a `pin` door from the office
    /// into the vault, one employee allowed in both at all times.
    static func snapshot(door: String, version: Int = 1, state: Credential.State = .active, full: Bool = true) -> DoorSnapshot {
        let certificate = try! Certificate(derEncoded: enrolled.authCertificate)
        let credential = Credential(key: credentialKey, employee: "e1", cardKey: enrolled.visualCardPublicKey, notBefore: certificate.notValidBefore,
                                    notAfter: certificate.notValidAfter, state: state)
        let policy = DoorSnapshot.Policy(
            doors: [Door(id: "door-tap", name: "Entrance", from: nil, to: "office"),
                    Door(id: "door-pin", name: "Vault", from: "office", to: "vault", securityLevel: .pin),
                    Door(id: "door-genuine", name: "Lab", from: "office", to: "vault", securityLevel: .genuine)],
            zones: [Zone(id: "office", name: "Office", isWorkplaceBoundary: true), Zone(id: "vault", name: "Vault")],
            groups: [AccessGroup(id: "staff", name: "Staff", grants: [.init(zone: "office", schedule: "always"), .init(zone: "vault", schedule: "always")])],
            schedules: [WeeklySchedule.always()],
            employees: [Employee(id: "e1", employeeNumber: "1001", name: "扉 太郎", department: "総務", groups: ["staff"])],
            credentials: [SnapshotCredential(credential: credential, certificate: Data(enrolled.authCertificate), version: version)])
        return DoorSnapshot(version: version, full: full, door: DoorID(rawValue: door), generatedAt: Date(), policy: policy)
    }

    /// `snapshot` encoded as the server sends it and signed with `key`.
    static func signed(_ snapshot: DoorSnapshot, key: Curve25519.Signing.PrivateKey = signingKey) -> SignedBody {
        let body = try! DoorWire.encoder().encode(snapshot)
        return SignedBody(body: body, signature: try! key.signature(for: body).base64EncodedString())
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dooragent-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A server in memory: serves a snapshot signed per request with the agent's nonce (as the real server
/// does), or a fixed signed body the test sets (a replay, a forgery); keeps uploaded events by id.
final class FakeServer: DoorServer {
    struct State {
        /// Signed at each request, with the request's nonce and the current time.
        var live: (snapshot: DoorSnapshot, key: Curve25519.Signing.PrivateKey)?
        /// Served as is, whatever the request.
        var snapshot: SignedBody?
        /// Every body served, as an eavesdropper on the link would record them.
        var served: [SignedBody] = []
        /// The server's clock (the rig sets the test's clock: server and door agree on the time).
        var now: @Sendable () -> Date = { Date() }
        var reachable = true
        var events: [UUID: DoorEvent] = [:]
        var uploads = 0
        var heartbeats: [DoorHeartbeat] = []
        /// How many of the next upload's new events the server reports quarantined.
        var quarantineNext: Int?
        /// The `since` of every snapshot request, and what a request without one gets instead of `live`.
        var sinces: [Int?] = []
        var whenFull: DoorSnapshot?
    }
    let state = Mutex(State())

    struct Unreachable: Error {}

    func serve(_ body: SignedBody) { state.withLock { $0.snapshot = body; $0.live = nil } }
    func serve(_ snapshot: DoorSnapshot, key: Curve25519.Signing.PrivateKey = Fixture.signingKey) {
        state.withLock { $0.live = (snapshot, key); $0.snapshot = nil }
    }
    var served: [SignedBody] { state.withLock { $0.served } }
    func setReachable(_ r: Bool) { state.withLock { $0.reachable = r } }
    var events: [UUID: DoorEvent] { state.withLock { $0.events } }

    func snapshot(since: Int?, nonce: String) async throws -> SignedBody {
        try state.withLock { s in
            guard s.reachable else { throw Unreachable() }
            s.sinces.append(since)
            if let (snapshot, key) = s.live {
                var answer = since == nil ? s.whenFull ?? snapshot : snapshot
                answer.nonce = nonce
                answer.generatedAt = s.now()
                let body = Fixture.signed(answer, key: key)
                s.served.append(body)
                return body
            }
            guard let b = s.snapshot else { throw Unreachable() }
            s.served.append(b)
            return b
        }
    }

    func upload(_ batch: DoorEventBatch) async throws -> DoorEventBatchResult {
        try state.withLock { s in
            guard s.reachable else { throw Unreachable() }
            s.uploads += 1
            var accepted = 0
            for e in batch.events where s.events[e.id] == nil {
                s.events[e.id] = e
                accepted += 1
            }
            return DoorEventBatchResult(accepted: accepted, duplicates: batch.events.count - accepted, quarantined: s.quarantineNext.map { min($0, accepted) } ?? 0)
        }
    }

    func heartbeat(_ heartbeat: DoorHeartbeat) async throws {
        try state.withLock { s in
            guard s.reachable else { throw Unreachable() }
            s.heartbeats.append(heartbeat)
        }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// An actuator that, when asked to open, looks at the outbox: the event must already be there.
actor OutboxCheckingActuator: Actuator {
    let store: LocalStore
    private(set) var pendingAtOpen: [Int] = []
    init(store: LocalStore) { self.store = store }
    func open(seconds: Double) async {
        pendingAtOpen.append((try? await store.pendingCount()) ?? -1)
    }
}

/// A door agent's pieces wired together over a fake server, as `mynagate door run` wires them.
struct Rig {
    let directory: URL
    let store: LocalStore
    let server: FakeServer
    let sync: SnapshotSync
    let controller: DoorController
    let actuator: OutboxCheckingActuator
    let display: RecordingDisplay
    let clock: ManualClock

    static func make(door: String, failMode: FailMode = .secure, directory: URL = Fixture.temporaryDirectory(),
                     server: FakeServer = FakeServer(), syncFirst: Bool = true) async throws -> Rig {
        let store = try await LocalStore.open(path: directory.appendingPathComponent("door.sqlite").path)
        let clock = ManualClock()
        server.state.withLock { $0.now = { clock.now } }
        let sync = SnapshotSync(store: store, server: server, verifier: try SnapshotVerifier(base64PublicKey: Fixture.publicKeyBase64),
                                door: door, clock: { clock.now })
        try await sync.loadFromStore()
        if syncFirst {
            if server.state.withLock({ $0.snapshot == nil && $0.live == nil }) { server.serve(Fixture.snapshot(door: door)) }
            try await sync.syncOnce()
        }
        let actuator = OutboxCheckingActuator(store: store)
        let display = RecordingDisplay()
        let controller = DoorController(configuration: DoorConfiguration(door: door, failMode: failMode), sync: sync, store: store,
                                        actuator: actuator, display: display, clock: { clock.now })
        return Rig(directory: directory, store: store, server: server, sync: sync, controller: controller, actuator: actuator,
                   display: display, clock: clock)
    }

    func close() async throws {
        try await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
