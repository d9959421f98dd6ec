import Access
import Audit
import Fluent
import Foundation
import MynaCard
import MyNumber
import Store
import Vapor
import Vault
import X509
import ServerCore

extension Request {
    /// Appends audit records in one transaction with the vault's writes; a refusal thrown inside the
    /// transaction comes out as itself (the audit store retries only a lost race for the next record).
    var vaultAppend: VaultAppend {
        let events = state.events
        return { build in _ = try await events.appendNow(building: build) }
    }

    /// The vault's operations for this request: its database, records through the server's event writer.
    var vault: VaultService { VaultService(db: db, append: vaultAppend) }

    /// The signed-in user as the vault sees them (with the designation looked up).
    func vaultActor() async throws -> VaultActor {
        let u = try user
        let handler = try await VaultService.isHandler(userID: u.id, role: u.role, on: db)
        return VaultActor(userID: u.id, username: u.username, employeeID: u.employeeID, isHandler: handler)
    }

    /// The actor, refused unless a designated handler.
    func vaultHandler() async throws -> VaultActor {
        let a = try await vaultActor()
        guard a.isHandler else { throw APIError.notHandler }
        return a
    }

    /// The request, read back after a write: gone by now (deleted meanwhile) is a 404, not a crash.
    func vaultRequest(_ id: UUID) async throws -> VaultRequestModel {
        guard let m = try await VaultRequestModel.find(id, on: db) else { throw APIError.noSuch("request", ja: "依頼") }
        return m
    }

    /// The employee, read back after a write (see ``vaultRequest(_:)``).
    func vaultEmployee(_ id: UUID) async throws -> EmployeeModel {
        guard let m = try await EmployeeModel.find(id, on: db) else { throw APIError.noSuch("employee", ja: "従業員") }
        return m
    }

    func uuidParameter(_ name: String = "id") throws -> UUID {
        guard let id = parameters.get(name, as: UUID.self) else { throw APIError.bad("\(name) must be a UUID", ja: "IDが正しくありません") }
        return id
    }
}

/// `/api/v1/vault/...`: the My Number vault over HTTP. Handlers (hr role and designated) manage
/// requests and use numbers; administrators designate handlers; every employee sees their own requests
/// and access history and gives their numbers.
struct VaultController {
    static let handlerRoles: Set<Role> = [.hr]
    static let registerRoles: Set<Role> = [.admin, .hr]

    func register(_ routes: any RoutesBuilder) {
        let h = routes.grouped(RoleMiddleware(Self.handlerRoles)).grouped("api", "v1", "vault")
        h.get("requests", use: listRequests)
        h.post("requests", use: createRequest)
        h.get("requests", ":id", use: getRequest)
        h.post("requests", ":id", "cancel", use: cancelRequest)
        h.post("requests", ":id", "verifications", use: recordDocuments)
        h.get("employees", ":id", use: employeeSummary)
        h.put("employees", ":id", "profile", use: setProfile)
        h.patch("employees", ":id", "profile", use: patchProfile)
        h.post("employees", ":id", "holds", use: placeHold)
        h.post("holds", ":id", "release", use: releaseHold)
        h.post("numbers", ":id", "reveal", use: reveal)
        h.post("exports", use: export)
        h.get("disposals", use: disposals)
        h.post("disposals", "run", use: runDisposal)
        routes.grouped(RoleMiddleware(Self.registerRoles)).get("api", "v1", "vault", "register", use: register)
        let admin = routes.grouped(RoleMiddleware([.admin])).grouped("api", "v1", "vault")
        admin.get("handlers", use: handlers)
        admin.post("handlers", use: designate)
        admin.delete("handlers", ":id", use: undesignate)
        let me = routes.grouped(RoleMiddleware(Set(Role.allCases))).grouped("api", "v1", "vault", "my")
        me.get("requests", use: myRequests)
        me.post("requests", ":id", "acknowledge", use: acknowledge)
        me.post("requests", ":id", "numbers", use: giveTyped)
        me.post("requests", ":id", "card", "challenge", use: cardChallenge)
        me.post("requests", ":id", "card", use: giveCard)
        me.get("access", use: myAccess)
    }

    // MARK: Requests (handlers)

    struct CreateRequest: Content {
        var employeeId: UUID
        var subjects: [VaultService.SubjectInput]
        var expiresInDays: Int?
    }

    @Sendable func listRequests(_ req: Request) async throws -> [VaultViews.RequestView] {
        _ = try await req.vaultHandler()
        var q = VaultRequestModel.query(on: req.db).sort(\.$createdAt, .descending)
        if let e = try req.queryUUID("employee") { q = q.filter(\.$employeeID == e) }
        return try await VaultViews.requests(try await q.limit(500).all(), on: req.db)
    }

    @Sendable func createRequest(_ req: Request) async throws -> Response {
        let actor = try await req.vaultHandler()
        let body = try req.decodeBody(CreateRequest.self)
        let m = try await req.vault.createRequest(employeeID: body.employeeId, subjects: body.subjects, expiresInDays: body.expiresInDays ?? 14,
                                                     actor: actor)
        return try await VaultViews.request(m, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func getRequest(_ req: Request) async throws -> VaultViews.RequestView {
        _ = try await req.vaultHandler()
        guard let m = try await VaultRequestModel.find(try req.uuidParameter(), on: req.db) else { throw APIError.noSuch("request", ja: "依頼") }
        return try await VaultViews.request(m, on: req.db)
    }

    @Sendable func cancelRequest(_ req: Request) async throws -> VaultViews.RequestView {
        let actor = try await req.vaultHandler()
        let id = try req.uuidParameter()
        try await req.vault.cancel(requestID: id, actor: actor)
        return try await VaultViews.request(try await req.vaultRequest(id), on: req.db)
    }

    struct Documents: Content {
        var subjectId: UUID?
        var documents: [VaultService.DocumentInput]
    }

    @Sendable func recordDocuments(_ req: Request) async throws -> VaultViews.RequestView {
        let actor = try await req.vaultHandler()
        let id = try req.uuidParameter()
        let body = try req.decodeBody(Documents.self)
        try await req.vault.recordDocuments(requestID: id, subjectID: body.subjectId, documents: body.documents, actor: actor)
        return try await VaultViews.request(try await req.vaultRequest(id), on: req.db)
    }

    // MARK: Employees, holds

    @Sendable func employeeSummary(_ req: Request) async throws -> VaultViews.EmployeeView {
        _ = try await req.vaultHandler()
        guard let e = try await EmployeeModel.find(try req.uuidParameter(), on: req.db) else { throw APIError.noSuch("employee", ja: "従業員") }
        return try await VaultViews.employee(e, on: req.db)
    }

    @Sendable func setProfile(_ req: Request) async throws -> VaultViews.EmployeeView {
        let actor = try await req.vaultHandler()
        let id = try req.uuidParameter()
        try await req.vault.setProfile(employeeID: id, try req.decodeBody(VaultService.ProfileInput.self), actor: actor)
        return try await VaultViews.employee(try await req.vaultEmployee(id), on: req.db)
    }

    @Sendable func patchProfile(_ req: Request) async throws -> VaultViews.EmployeeView {
        let actor = try await req.vaultHandler()
        let id = try req.uuidParameter()
        try await req.vault.patchProfile(employeeID: id, try req.decodeBody(VaultService.ProfilePatch.self), actor: actor)
        return try await VaultViews.employee(try await req.vaultEmployee(id), on: req.db)
    }

    struct HoldInput: Content { var reason: String }
    struct Created: Content { var id: UUID }

    @Sendable func placeHold(_ req: Request) async throws -> Response {
        let actor = try await req.vaultHandler()
        let id = try await req.vault.placeHold(employeeID: try req.uuidParameter(), reason: try req.decodeBody(HoldInput.self).reason,
                                                  actor: actor)
        return try await Created(id: id).encodeResponse(status: .created, for: req)
    }

    @Sendable func releaseHold(_ req: Request) async throws -> HTTPStatus {
        let actor = try await req.vaultHandler()
        try await req.vault.releaseHold(holdID: try req.uuidParameter(), actor: actor)
        return .noContent
    }

    // MARK: Use

    struct PurposeInput: Content { var purpose: String? }

    /// The only response with a number in it: never cached anywhere.
    static func noStore(_ res: Response) -> Response {
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: .pragma, value: "no-cache")
        return res
    }

    @Sendable func reveal(_ req: Request) async throws -> Response {
        let actor = try await req.vaultHandler()
        let id = try req.uuidParameter()
        let body = try req.decodeBody(PurposeInput.self)
        let keys = req.application.vaultKeys
        let r = try await req.vault.reveal(recordID: id, purposeCode: body.purpose, actor: actor, sealer: { try keys.sealer() })
        return Self.noStore(try await r.encodeResponse(for: req))
    }

    struct ExportInput: Content {
        var purpose: String?
        var encoding: String?
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let actor = try await req.vaultHandler()
        let body = try req.decodeBody(ExportInput.self)
        let keys = req.application.vaultKeys
        let encoding = body.encoding ?? "utf-8"
        let out = try await req.vault.export(purposeCode: body.purpose, encoding: encoding, actor: actor, sealer: { try keys.sealer() })
        return Self.csv(out.data, encoding: encoding, purpose: body.purpose ?? "")
    }

    static func csv(_ data: Data, encoding: String, purpose: String) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=\(encoding == "utf-8" ? "utf-8" : "Shift_JIS")")
        res.headers.contentDisposition = .init(.attachment, filename: "mynumber-\(purpose).csv")
        return noStore(res)
    }

    // MARK: Disposal

    struct DisposalsView: Content {
        var records: [VaultViews.DisposalRow]
        var plans: [VaultService.PlanItem]
    }

    @Sendable func disposals(_ req: Request) async throws -> DisposalsView {
        _ = try await req.vaultHandler()
        let date = JapanTime(Date()).date
        var plans: [VaultService.PlanItem] = []
        for (n, m, p) in try await VaultService.plans(on: date, db: req.db) { plans.append(try await VaultService.planItem(n, m, p, on: date, db: req.db)) }
        return DisposalsView(records: try await VaultViews.disposals(on: req.db), plans: plans)
    }

    struct RunInput: Content {
        var dryRun: Bool?
        init() {}
        /// `{"dryRun": null}` is refused (400), not read as "not a dry run": the run crypto-erases numbers.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.dryRun) { dryRun = try c.decode(Bool.self, forKey: .dryRun) }
        }
    }

    @Sendable func runDisposal(_ req: Request) async throws -> VaultService.DisposalRun {
        let actor = try await req.vaultHandler()
        let body = try req.optionalContent(RunInput.self) ?? RunInput()
        return try await req.vault.runDisposal(dryRun: body.dryRun ?? false, performedBy: actor.username)
    }

    // MARK: Register, handlers

    @Sendable func register(_ req: Request) async throws -> VaultViews.Register {
        try await VaultViews.register(on: req.db, keys: req.application.vaultKeys, policy: req.state.policy.current)
    }

    @Sendable func handlers(_ req: Request) async throws -> [VaultViews.HandlerRow] {
        try await VaultViews.handlers(on: req.db)
    }

    struct Designate: Content {
        var username: String
        var responsible: Bool?
    }

    @Sendable func designate(_ req: Request) async throws -> Response {
        let body = try req.decodeBody(Designate.self)
        _ = try await req.vault.designate(username: body.username, responsible: body.responsible ?? false, by: "user:\(try req.user.username)")
        return try await VaultViews.handlers(on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func undesignate(_ req: Request) async throws -> HTTPStatus {
        try await req.vault.undesignate(userID: try req.uuidParameter(), by: "user:\(try req.user.username)")
        return .noContent
    }

    // MARK: Employees' own

    @Sendable func myRequests(_ req: Request) async throws -> [VaultViews.RequestView] {
        guard let e = try req.user.employeeID else { return [] }
        return try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all(), on: req.db)
    }

    @Sendable func acknowledge(_ req: Request) async throws -> VaultViews.RequestView {
        let actor = try await req.vaultActor()
        let id = try req.uuidParameter()
        try await req.vault.acknowledge(requestID: id, actor: actor)
        return try await VaultViews.request(try await req.vaultRequest(id), on: req.db)
    }

    /// A typed number. The body is decoded by hand so that a malformed number is refused with what is
    /// wrong, never with the input.
    struct Typed: Content {
        var subjectId: UUID?
        var number: String
    }

    static func parseNumber(_ text: String) throws -> IndividualNumber {
        guard text.utf8.count <= 64 else { throw APIError.vault(NumberError.tooLong) }
        switch IndividualNumber.check(text) {
        case .success(let n): return n
        case .failure(let e): throw APIError.vault(e)
        }
    }

    @Sendable func giveTyped(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        let id = try req.uuidParameter()
        let body = try req.decodeBody(Typed.self)
        let number = try Self.parseNumber(body.number)
        let record = try await req.vault.give(requestID: id, subjectID: body.subjectId, number: number, source: .typed, actor: actor,
                                                 sealer: try req.application.vaultKeys.sealer())
        return try await VaultViews.Given(recordId: record, request: try await VaultViews.request(try await req.vaultRequest(id), on: req.db))
            .encodeResponse(status: .created, for: req)
    }

    /// What `mynagate vault give` posts after reading the chip: the number and the 4 items, and the
    /// card's JPKI signature over a challenge bound to this request.
    struct Card: Content {
        var subjectId: UUID?
        var number: String
        var fourItems: BasicFourItems
        var challengeId: UUID
        /// Base64 of the card's user-authentication signature over the challenge.
        var signature: String
        /// The text application's EFs `0001`–`0004` as read, so the server checks the integrity record
        /// itself (issue 17 item 8); optional for clients older than it.
        var textFiles: TextFiles?
    }

    /// Base64 of each EF as the card gave it.
    struct TextFiles: Content {
        /// EF `0001` whole, filler included (17 bytes).
        var numberFile: String
        /// EF `0002`, the `FF20` object.
        var fourItemsFile: String
        /// EF `0003`, the `FF30` integrity record.
        var integrityRecord: String
        /// EF `0004`, the `7F21` certificate.
        var certificate: String?

        func decoded() throws -> TextApplicationFiles {
            func bytes(_ text: String, _ field: String, max: Int) throws -> [UInt8] {
                guard let d = Data(base64Encoded: text), (1...max).contains(d.count) else {
                    throw APIError.bad("textFiles.\(field) must be base64 of 1 to \(max) bytes", ja: "textFiles.\(field) が正しくありません")
                }
                return Array(d)
            }
            return TextApplicationFiles(numberFile: try bytes(numberFile, "numberFile", max: 64),
                                        fourItemsFile: try bytes(fourItemsFile, "fourItemsFile", max: 4096),
                                        integrityRecord: try bytes(integrityRecord, "integrityRecord", max: 1024),
                                        certificate: try certificate.map { try bytes($0, "certificate", max: 2048) })
        }
    }

    static let cardFilesDisagree = APIError(.unprocessableEntity, code: "card_files_disagree",
                                            ja: "送信された番号または基本4情報が、同時に送信されたカードのファイルと一致しません",
                                            en: "the number or the 4 items posted differ from the card files posted with them")

    /// Checks posted text EFs: their integrity record (a mismatch is refused, ``CardIntegrity``), and that
    /// the number and 4 items posted are the ones in the files. Returns the code to record.
    static func checkTextFiles(_ posted: TextFiles, number: IndividualNumber, items: BasicFourItems, request: UUID,
                               req: Request) async throws -> String {
        let files = try posted.decoded()
        let reading: TextReading
        do { reading = try TextReading(files: files, issuers: req.application.cvcIssuers) } catch {
            throw APIError.bad("textFiles: the number or 4-items file does not parse", ja: "textFiles の個人番号または基本4情報のファイルが読み取れません")
        }
        let code = try await CardIntegrity.accepted(reading.integrity, request: request, req: req)
        let i = reading.items
        guard reading.number == number, i.name == items.name, i.address == items.address, i.birthDate == items.birthDate, i.sex == items.sex else {
            throw cardFilesDisagree
        }
        return code
    }

    struct CardChallenge: Content {
        var challengeId: UUID
        /// Base64 of the SHA-256 the card signs with its user-authentication key.
        var digest: String
        var expiresAt: Date
    }

    /// A challenge for the employee's own card, bound to the request: the number posted by
    /// `mynagate vault give` is accepted only with the enrolled card's signature over it, so it cannot
    /// be posted for someone else, replayed or made with another card. The signature does not cover the
    /// digits, so the number is recorded as given from the employee's own reader and awaits the
    /// handler's document check like a typed one (``VaultService/Source/ownReader``).
    @Sendable func cardChallenge(_ req: Request) async throws -> CardChallenge {
        let actor = try await req.vaultActor()
        let id = try req.uuidParameter()
        _ = try await VaultService.ownRequest(id, actor: actor, on: req.db)
        let c = try await ChallengeStore.issue(context: Self.challengeContext(id), seconds: max(req.state.config.challengeSeconds, 60), on: req.db)
        return CardChallenge(challengeId: c.id, digest: Data(c.digest).base64EncodedString(), expiresAt: c.expiresAt)
    }

    static func challengeContext(_ request: UUID) -> String { "vault:\(request.uuidString.lowercased())" }

    static let cardNotProven = APIError(.unprocessableEntity, code: "card_not_proven",
                                        ja: "カードの署名を確認できません。ご自身の登録済みカードで、新しいチャレンジに署名してください",
                                        en: "the card's signature does not verify: sign a fresh challenge with your own enrolled card")

    /// Checks the signature against the employee's active enrolled credentials.
    static func proveCard(employee: UUID, request: UUID, challengeID: UUID, signature text: String, on db: any Database) async throws {
        guard let signature = Data(base64Encoded: text), (1...1024).contains(signature.count) else { throw cardNotProven }
        guard case .success(let challenge) = try await ChallengeStore.consume(id: challengeID, context: challengeContext(request), on: db) else { throw cardNotProven }
        let now = Date()
        let credentials = try await CredentialModel.query(on: db).filter(\.$employeeID == employee).filter(\.$state == "active").all()
        let proven = credentials.contains { c in
            guard now < c.notAfter, let certificate = try? Certificate(derEncoded: Array(c.certificate)) else { return false }
            return certificate.publicKey.isValidSignature(Array(signature), for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption)
        }
        guard proven else { throw cardNotProven }
    }

    @Sendable func giveCard(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        let id = try req.uuidParameter()
        let body = try req.decodeBody(Card.self)
        let number = try Self.parseNumber(body.number)
        // Someone else's request is refused before the challenge is spent.
        let (request, _) = try await VaultService.ownRequest(id, actor: actor, on: req.db)
        try await Self.proveCard(employee: request.employeeID, request: id, challengeID: body.challengeId, signature: body.signature, on: req.db)
        // The 4 items are still checked as input, but not compared as a chip reading: nothing signed covers them.
        let items = body.fourItems
        for (f, v, max) in [("name", items.name, 100), ("address", items.address, 200)] { _ = try FreeText.check(v, field: f, max: max) }
        guard items.birthDate.count == 8, items.birthDate.allSatisfy(\.isASCII), items.birthDate.allSatisfy(\.isNumber), ["1", "2", "9"].contains(items.sex) else {
            throw APIError.bad("fourItems.birthDate must be YYYYMMDD and sex 1, 2 or 9", ja: "生年月日（YYYYMMDD）または性別（1/2/9）が正しくありません")
        }
        // What the integrity record says about the files posted; nil when the client posted none.
        var integrity: String?
        if let files = body.textFiles {
            integrity = try await Self.checkTextFiles(files, number: number, items: items, request: id, req: req)
        }
        let record = try await req.vault.give(requestID: id, subjectID: body.subjectId, number: number, source: .ownReader(integrity: integrity, items: items),
                                                 actor: actor, sealer: try req.application.vaultKeys.sealer())
        guard let row = try await VaultRequestModel.find(id, on: req.db) else { throw APIError.noSuch("request", ja: "依頼") }
        return try await VaultViews.Given(recordId: record, request: try await VaultViews.request(row, on: req.db))
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func myAccess(_ req: Request) async throws -> [VaultViews.AccessRow] {
        guard let e = try req.user.employeeID else { return [] }
        return try await VaultViews.access(employee: e, on: req.db)
    }
}
