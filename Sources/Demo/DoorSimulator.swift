import Foundation
import MynaCard
import MynaCardSim
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SmartCard
import Vapor

/// Simulated doors for the demo: a random person taps a random door; the door reads the card's serial
/// over APDUs (3 of them), and at a `pin` door gets a challenge, has the card verify the PIN and sign,
/// then asks the server over HTTP with its own door token — the same path a real door controller takes.
public struct DoorSimulator: Sendable {
    let app: Application
    let demo: DemoOrganisation
    let baseURL: String
    let interval: Double

    /// Doors of `demo` tapping every `interval` seconds against the server at `baseURL`.
    public init(app: Application, demo: DemoOrganisation, baseURL: String, interval: Double) {
        self.app = app
        self.demo = demo
        self.baseURL = baseURL
        self.interval = interval
    }

    struct DecisionBody: Content {
        var serial: String
        var challengeId: UUID?
        var signature: String?
        var cardSignature: String?
    }
    struct ChallengeReply: Content {
        var challengeId: UUID
        var digest: String
    }
    struct DecisionReply: Content {
        var outcome: String
        var reason: String
        var securityLevel: String
    }

    /// Starts tapping in the background, for the life of the process.
    public func start() {
        let sim = self
        Task.detached {
            let tokens = (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: sim.demo.tokensFile))) ?? [:]
            let doors = tokens.keys.sorted()
            guard !doors.isEmpty else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(sim.interval * 1000)))
                let person = Int.random(in: 0..<sim.demo.people)
                let door = doors.randomElement()!
                do {
                    try await sim.tap(person: person, door: door, token: tokens[door] ?? "")
                } catch {
                    sim.app.logger.debug("simulated tap failed: \(error)")
                }
            }
        }
    }

    func tap(person: Int, door: String, token: String) async throws {
        let card = MynaCard(transport: EmulatedCardTransport(card: try VirtualMynaCard.load(contentsOf: demo.cardFile(person))))
        let serial = try await card.jpki.readAuthCertificateSerial().value
        let serialHex = serial.bytes.map { String(format: "%02X", $0) }.joined()
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        var body = DecisionBody(serial: serialHex)
        var reply = try await post("/api/v1/doors/\(door)/decisions", body, headers).content.decode(DecisionReply.self)
        if reply.reason == "pin_required" {
            let ch = try await post("/api/v1/doors/\(door)/challenges", Optional<DecisionBody>.none, headers).content.decode(ChallengeReply.self)
            _ = try await card.jpki.verify(try PIN(DemoOrganisation.pin, kind: .jpkiAuth))
            let sig = try await card.jpki.sign(sha256Digest: Array(Data(base64Encoded: ch.digest) ?? Data()), with: .auth).value
            body.challengeId = ch.challengeId
            body.signature = Data(sig).base64EncodedString()
            reply = try await post("/api/v1/doors/\(door)/decisions", body, headers).content.decode(DecisionReply.self)
        }
        if reply.reason == "genuine_required" {
            // A `genuine` door: the visual application signs the door's challenge with the card's own key, no PIN.
            let ch = try await post("/api/v1/doors/\(door)/challenges", Optional<DecisionBody>.none, headers).content.decode(ChallengeReply.self)
            let sig = try await card.visual.sign(sha256Digest: Array(Data(base64Encoded: ch.digest) ?? Data())).value
            body.challengeId = ch.challengeId
            body.cardSignature = Data(sig).base64EncodedString()
            reply = try await post("/api/v1/doors/\(door)/decisions", body, headers).content.decode(DecisionReply.self)
        }
    }

    func post<B: Content>(_ path: String, _ body: B?, _ headers: HTTPHeaders) async throws -> ClientResponse {
        try await app.client.post(URI(string: baseURL + path), headers: headers) { req in
            if let body { try req.content.encode(body) } else { try req.content.encode([String: String]()) }
        }
    }
}
