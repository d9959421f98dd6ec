import ArgumentParser
import Foundation
import MynaCard
import Vapor

/// `mynagate vault give`: an employee gives their own number from their own card reader. The number and
/// the 4 items are read from the chip after the text PIN and posted to the server over its session;
/// nothing is printed or kept here.
struct VaultGiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "give",
        abstract: "Give your My Number to a collection request from your own card, at your own PC/SC reader.",
        discussion: """
            Signs in, shows the request's purposes (the notice) and acknowledges them when you confirm \
            (--acknowledge when not interactive), reads the tries left of the text application's PIN \
            (券面事項入力補助用暗証番号, 4 digits) and says them, asks for the PIN (refusing to send it on the \
            last try unless confirmed), reads the number and the 4 items (name, address, birth date, sex) \
            from the chip, has the card sign the server's challenge with its user-authentication key (利用者証明用 \
            PIN, tries read first too) to prove it is your enrolled card, and posts them to the server, which \
            matches the 4 items against your HR record. The number is never printed. With stdin input the \
            password comes first, then the text PIN, then the auth PIN. \
            Exit status: 0 given, 1 refused or failed, 2 usage error.
            """
    )

    @ArgumentParser.Option(help: "The server's base URL, e.g. https://gate.example.co.jp.") var server: String
    @ArgumentParser.Option(help: "Your username.") var username: String
    @ArgumentParser.Option(help: "The request's id (default: your only open request).") var request: String?
    @ArgumentParser.Flag(help: "Acknowledge the request's purposes without asking (you have read them).") var acknowledge = false
    @ArgumentParser.Flag(help: "Read the password from standard input (one line, before the PIN).") var passwordStdin = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func validate() throws {
        guard let url = URL(string: server), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--server must be an http or https URL")
        }
        if let request, UUID(uuidString: request) == nil { throw ValidationError("--request must be a request id (UUID)") }
    }

    struct Subject: Content { var subjectId: UUID; var role: String; var name: String; var purposesJa: [String]; var purposesEn: [String]; var state: String }
    struct RequestView: Content { var id: UUID; var status: String; var statusJa: String; var subjects: [Subject] }
    struct Items: Content { var name: String; var address: String; var birthDate: String; var sex: String }
    struct CardBody: Content { var number: String; var fourItems: Items; var challengeId: UUID; var signature: String; var textFiles: TextFiles }
    /// The text EFs as read, base64: the server checks their integrity record itself.
    struct TextFiles: Content { var numberFile: String; var fourItemsFile: String; var integrityRecord: String; var certificate: String? }
    struct Challenge: Content { var challengeId: UUID; var digest: String }
    struct Difference: Content { var field: String }
    struct Verification: Content { var cardDifferences: [Difference]? }
    struct GivenSubject: Content { var role: String; var verification: Verification? }
    struct GivenRequest: Content { var status: String; var subjects: [GivenSubject] }
    struct Given: Content { var recordId: UUID; var request: GivenRequest }

    func run() async throws {
        let password = try ServerSession.readPassword(username: username, fromStdin: passwordStdin)
        let base = ServerSession.base(server)
        try await ServerSession.withClient { client in
            try await give(try await ServerSession.signIn(base: base, username: username, password: password, client: client))
        }
    }

    static func refusal(_ res: ClientResponse) -> String { ServerSession.refusal(res) }

    private func give(_ session: ServerSession) async throws {
        let listed = try await session.get("/api/v1/vault/my/requests")
        guard listed.status == .ok else { throw CLIFailure("cannot list your requests: \(Self.refusal(listed))") }
        let open = try listed.content.decode([RequestView].self).filter { ["open", "notice_acknowledged"].contains($0.status) }
        let chosen: RequestView
        if let request {
            guard let r = open.first(where: { $0.id.uuidString.lowercased() == request.lowercased() }) else { throw CLIFailure("no open request \(request) for you") }
            chosen = r
        } else {
            guard open.count == 1 else { throw CLIFailure(open.isEmpty ? "you have no open request" : "you have \(open.count) open requests; choose one with --request ID") }
            chosen = open[0]
        }
        guard let own = chosen.subjects.first(where: { $0.role == "employee" }) else { throw CLIFailure("this request does not ask for your own number") }
        guard own.state == "pending" else { throw CLIFailure("your own number was already given for this request") }

        // The notice: the purposes, before anything is read from the card.
        FileHandleOutput.standardError.write("利用目的 / purposes: \(own.purposesJa.joined(separator: "、")) (\(own.purposesEn.joined(separator: ", ")))\n")
        if chosen.status == "open" {
            if !acknowledge {
                guard Terminal.isInteractive, Terminal.prompt("上記の利用目的を確認しましたか / acknowledge these purposes? [y/N] ", echo: true).lowercased().hasPrefix("y") else {
                    throw CLIFailure("the purposes were not acknowledged; nothing was read or sent (use --acknowledge)")
                }
            }
            let ack = try await session.post("/api/v1/vault/my/requests/\(chosen.id.uuidString)/acknowledge")
            guard ack.status == .ok else { throw CLIFailure("acknowledging refused: \(Self.refusal(ack))") }
        }

        let challenge = try await session.post("/api/v1/vault/my/requests/\(chosen.id.uuidString)/card/challenge")
        guard challenge.status == .ok else { throw CLIFailure("no challenge for the card: \(Self.refusal(challenge))") }
        let issued = try challenge.content.decode(Challenge.self)
        guard let digest = Data(base64Encoded: issued.digest), digest.count == 32 else { throw CLIFailure("the server sent a malformed challenge") }
        let body: CardBody = try await reportingCardErrors {
            let c = try await card.open(presentsPIN: true)
            let tries = try await c.text.triesLeft().value
            let (pin, attempt) = try pins.obtain(.text, label: "券面事項入力補助用PIN / text PIN", triesLeft: tries)
            _ = try await c.text.verify(pin, attempt: attempt)
            // The files come along so the server checks the card's integrity record itself; this
            // reader needs no card-verifiable CA of its own for that.
            let reading = try await c.text.readWithIntegrity(issuers: .none).value
            let number = reading.number
            let items = reading.items
            let f = reading.files
            let files = TextFiles(numberFile: Data(f.numberFile).base64EncodedString(), fourItemsFile: Data(f.fourItemsFile).base64EncodedString(),
                                  integrityRecord: Data(f.integrityRecord).base64EncodedString(), certificate: f.certificate.map { Data($0).base64EncodedString() })
            // The same card proves itself: its user-authentication key signs the request's challenge,
            // which the server checks against the certificate enrolled for you.
            let authTries = try await c.jpki.triesLeft(.auth).value
            let (authPIN, authAttempt) = try pins.obtain(.jpkiAuth, label: "利用者証明用PIN / auth PIN", triesLeft: authTries)
            let signature = try await c.jpki.verifyAndSign(authPIN, attempt: authAttempt, sha256Digest: Array(digest), with: .auth).value
            return CardBody(number: number.revealDigits(), fourItems: Items(name: items.name, address: items.address, birthDate: items.birthDate, sex: items.sex),
                            challengeId: issued.challengeId, signature: Data(signature).base64EncodedString(), textFiles: files)
        }
        let posted = try await session.post("/api/v1/vault/my/requests/\(chosen.id.uuidString)/card", content: body)
        guard posted.status == .created else { throw CLIFailure("the server refused the number: \(Self.refusal(posted))") }
        let given = try posted.content.decode(Given.self)
        await session.signOut()
        let differences = given.request.subjects.first { $0.role == "employee" }?.verification?.cardDifferences?.map(\.field) ?? []
        if json {
            let obj: [String: Any] = ["request": chosen.id.uuidString, "record": given.recordId.uuidString, "requestStatus": given.request.status, "differences": differences]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("given: your number is in the vault (record \(given.recordId.uuidString)); request \(given.request.status)")
            // Nothing signed covers the digits read at the employee's own reader, so HR checks documents first.
            if given.request.status != "fulfilled" { print("HR will check your documents (e.g. your My Number card at the desk) before the number is used") }
            if !differences.isEmpty { print("the card differs from your HR record in: \(differences.joined(separator: ", ")) — HR will check") }
        }
    }
}
