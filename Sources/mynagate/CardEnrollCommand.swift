import ArgumentParser
import DoorAgent
import Foundation
import MynaCard
import ServerCore
import Trust
import Vapor

/// `mynagate card enroll`: the enrollment desk's reader program. The desk operator signs in, the
/// person's card is read at the desk's reader, and the card proves itself by signing the server's
/// challenge; with `--holder` the holder also types the signing password, so the signing certificate's
/// name and birth date bind the card to the HR record without waiting for the holder's own session.
struct CardEnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll the card in the reader for a person, at the enrollment desk (admin, hr or security account).",
        discussion: """
            Signs in, asks the server for a challenge bound to the person (--employee, their employee \
            number), reads the card's user-authentication certificate (no PIN), reads the tries left of \
            the authentication PIN (利用者証明用PIN) and says them, asks the holder for the PIN (refusing \
            to send it on the last try unless confirmed), and has the card sign the challenge. With \
            --holder the holder also gives the signing password (署名用パスワード; its tries are read \
            and said first) and the signing certificate goes along: the server matches its name and \
            birth date with the HR record. When the server gives the hr desk the person's birth-date \
            key, the card's own key for `genuine` doors is read too. Prints the card's serial and what \
            it still waits for (approval by a second administrator, or the holder accepting it in their \
            own session). With stdin input the password comes first, then the PIN, then the signing \
            password. Exit status: 0 enrolled (active or pending), 1 refused or failed, 2 usage error.
            """
    )

    @ArgumentParser.Option(help: "The server's base URL, e.g. https://gate.example.co.jp.") var server: String
    @ArgumentParser.Option(help: "The desk operator's username (admin, hr or security).") var username: String
    @ArgumentParser.Option(help: "The person's employee number.") var employee: String
    @ArgumentParser.Flag(help: "The holder gives the signing password too, binding the card by the signing certificate's name and birth date.")
    var holder = false
    @ArgumentParser.Flag(help: "Read the password from standard input (one line, before the PINs).") var passwordStdin = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @ArgumentParser.Flag(help: "Allow a plain http:// server that is not on this machine (only when the link is protected otherwise, e.g. a VPN).")
    var allowInsecureHTTP = false
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func validate() throws {
        guard let url = URL(string: server), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--server must be an http or https URL")
        }
        // The operator's password and the card's certificates cross this link.
        if let problem = insecureServerProblem(server, allowInsecureHTTP: allowInsecureHTTP) { throw ValidationError(problem) }
        // An employee number, never a My Number: the same rule as the employees API.
        guard (1...32).contains(employee.count), !FreeText.containsNumberRun(employee) else {
            throw ValidationError("--employee must be an employee number (1–32 characters, no 12-digit run)")
        }
    }

    struct Person: Content { var id: UUID; var employeeNumber: String; var name: String }
    struct Start: Content { var employeeId: UUID }
    struct Started: Content { var challengeId: UUID; var nonce: String; var context: String; var digest: String; var birthDateKey: String? }
    struct Finish: Content {
        var employeeId: UUID
        var challengeId: UUID
        var certificate: String
        var signature: String
        var signingCertificate: String?
        var signingSignature: String?
        var cardAgeRecord: String?
        var cardCertificate: String?
        var cardSignature: String?
        var cardKeySkipped: String?
    }
    struct Credential: Content { var serial: String; var state: String }
    struct Enrolled: Content { var credential: Credential; var renewed: Int; var waitingFor: [String] }

    func run() async throws {
        let password = try ServerSession.readPassword(username: username, fromStdin: passwordStdin)
        let base = ServerSession.base(server)
        let enrolled = try await ServerSession.withClient { client in
            let session = try await ServerSession.signIn(base: base, username: username, password: password, client: client)
            do {
                let result = try await enroll(session)
                await session.signOut()
                return result
            } catch {
                await session.signOut()
                throw error
            }
        }
        if json {
            let obj: [String: Any] = ["employee": employee, "serial": enrolled.credential.serial, "state": enrolled.credential.state,
                                      "waitingFor": enrolled.waitingFor, "renewed": enrolled.renewed]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else if enrolled.waitingFor.isEmpty {
            print("enrolled: card \(enrolled.credential.serial) is active for \(employee)" + (enrolled.renewed > 0 ? " (\(enrolled.renewed) earlier card(s) retired)" : ""))
        } else {
            print("enrolled: card \(enrolled.credential.serial) for \(employee) is pending, waiting for \(enrolled.waitingFor.joined(separator: " and "))")
        }
    }

    /// The person by exact employee number (the search matches by prefix).
    func person(_ session: ServerSession) async throws -> Person {
        var q = URLComponents()
        q.queryItems = [URLQueryItem(name: "q", value: employee)]
        let listed = try await session.get("/api/v1/employees?\(q.percentEncodedQuery ?? "")")
        guard listed.status == .ok else { throw CLIFailure("cannot look the person up: \(ServerSession.refusal(listed))") }
        guard let p = try listed.content.decode([Person].self).first(where: { $0.employeeNumber == employee }) else {
            throw CLIFailure("no person with employee number \(employee)")
        }
        return p
    }

    func enroll(_ session: ServerSession) async throws -> Enrolled {
        let who = try await person(session)
        let started = try await session.post("/api/v1/enrollment/challenges", content: Start(employeeId: who.id))
        guard started.status == .ok else { throw CLIFailure("no challenge: \(ServerSession.refusal(started))") }
        let challenge = try started.content.decode(Started.self)
        // The card signs only what this program worked out itself: MynaGate's tagged challenge message for
        // enrolling this person. A digest taken from the server as it is would let a hostile server (or
        // whoever sits on a plain-http link) have the holder's signing key sign any document's hash.
        guard let nonce = Data(base64Encoded: challenge.nonce), (16...64).contains(nonce.count),
              challenge.context.lowercased() == "enroll:\(who.id.uuidString.lowercased())" else {
            throw CLIFailure("the server sent a challenge that is not one for enrolling \(employee); nothing was signed")
        }
        let digest = Challenge(id: challenge.challengeId, nonce: Array(nonce), context: challenge.context, issuedAt: Date(), expiresAt: Date()).digest
        guard Data(base64Encoded: challenge.digest) == Data(digest) else {
            throw CLIFailure("the server's challenge digest does not match its nonce and context; nothing was signed")
        }
        FileHandleOutput.standardError.write("enrolling a card for \(ServerSession.printable(who.employeeNumber)) \(ServerSession.printable(who.name))\n")
        let body: Finish = try await reportingCardErrors {
            let c = try await card.open(presentsPIN: true)
            let der = try await c.jpki.certificateDER(.auth).value
            let authTries = try await c.jpki.triesLeft(.auth).value
            let (pin, attempt) = try pins.obtain(.jpkiAuth, label: "利用者証明用PIN / authentication PIN", triesLeft: authTries)
            let signature = try await c.jpki.verifyAndSign(pin, attempt: attempt, sha256Digest: digest, with: .auth).value
            var f = Finish(employeeId: who.id, challengeId: challenge.challengeId, certificate: Data(der).base64EncodedString(),
                           signature: Data(signature).base64EncodedString())
            if holder {
                let signTries = try await c.jpki.triesLeft(.signing).value
                let (password, signAttempt) = try pins.obtain(.jpkiSigning, label: "署名用パスワード / signing password", triesLeft: signTries)
                // Signed first: the verified signing password then also opens the signing certificate.
                let signingSignature = try await c.jpki.verifyAndSign(password, attempt: signAttempt, sha256Digest: digest, with: .signing).value
                let signingDER = try await c.jpki.certificateDER(.signing).value
                f.signingCertificate = Data(signingDER).base64EncodedString()
                f.signingSignature = Data(signingSignature).base64EncodedString()
            }
            switch await CardKeyCheck.read(c, birthDateKey: challenge.birthDateKey, digest: digest) {
            case .evidence(let e):
                f.cardAgeRecord = Data(e.ageRecord).base64EncodedString()
                f.cardCertificate = Data(e.certificate).base64EncodedString()
                f.cardSignature = Data(e.signature).base64EncodedString()
            case .skipped(let why): f.cardKeySkipped = why
            }
            return f
        }
        let posted = try await session.post("/api/v1/enrollment", content: body)
        guard posted.status == .created || posted.status == .accepted else { throw CLIFailure("enrollment refused: \(ServerSession.refusal(posted))") }
        return try posted.content.decode(Enrolled.self)
    }
}
