import ArgumentParser
import Foundation
import MynaCard
import SmartCard

/// `mynagate card trace --out FILE`: records one session's APDUs, redacted, to a file that can be
/// shared and replayed as a test (docs/CARD.md, "APDU traces").
struct CardTraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Record a session's APDUs to a file (PINs, the My Number and personal data redacted).",
        discussion: """
            The session does what `card status` does and spends no PIN try: SELECT each application, \
            read the JPKI token, read each certificate's 8-byte header (its size; the auth certificate \
            itself is not read, since its serial identifies you), and ask each PIN's tries left. The \
            signing certificate's header answers 6982 (password needed), which is recorded too.

            With --verify KIND the session then sends that PIN, after you confirm (or with \
            --pin-stdin), and asks the tries left again; after the signing password it also reads the \
            signing certificate's header. A wrong PIN spends a try, as on any use of the card.

            --verify visual asks for the parts printed on the card's front — birth date (Gregorian \
            YYYYMMDD), expiry year, security code — and shows the Japanese-era digits it made of the \
            birth date before sending (a Gregorian YYMMDD would cost a try). With --pin-stdin it reads \
            the 14 digits as one line, or with --visual-parts the three parts as three lines.

            Redacted: PIN data (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER) without its \
            length, as [PIN redacted]; with only the length and the status word, the contents of the \
            secret files (the My Number, the 4 items, the text signature, the signing certificate, the \
            front side, the auth certificate past its size). Any run of 12 or more ASCII digits is \
            replaced by '*' bytes. The file format is documented in docs/CARD.md; check the file \
            before sharing it.
            """
    )

    /// Which PIN `--verify` sends.
    enum VerifyKind: String, ExpressibleByArgument, CaseIterable {
        case auth, signing, text, visual
        var pinKind: PINKind {
            switch self {
            case .auth: return .jpkiAuth
            case .signing: return .jpkiSigning
            case .text: return .text
            case .visual: return .visualB
            }
        }
        /// The prompt's name for it, as the other card commands word it.
        var label: String {
            switch self {
            case .auth: return "利用者証明用暗証番号 / auth PIN"
            case .signing: return "署名用パスワード / signing password"
            case .text: return "券面事項入力補助用PIN / text PIN"
            case .visual: return "照合番号B / visual PIN B"
            }
        }
    }

    @Option(help: "The trace file to write.") var out: String
    @Flag(help: "Replace the trace file if it exists.") var force = false
    @Option(help: "After the survey, send this PIN (auth, signing, text, visual). Spends a try if wrong.")
    var verify: VerifyKind?
    @Flag(help: "With --verify visual --pin-stdin: read 照合番号B's parts as three lines (birth date YYYYMMDD, expiry year, security code) instead of its 14 digits.")
    var visualParts = false
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func validate() throws {
        if visualParts && (verify != .visual || !pins.pinStdin) {
            throw ValidationError("--visual-parts goes with --verify visual --pin-stdin (at a terminal the parts are asked for anyway)")
        }
    }

    func run() async throws {
        try await reportingCardErrors {
            let url = URL(fileURLWithPath: out)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                // The file is replaced by an atomic rename: never onto a device (/dev/stdout) or a directory.
                let type = try? FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
                guard !isDirectory.boolValue, type == .typeRegular else { throw CLIFailure("\(out) is not a regular file") }
                guard force else { throw CLIFailure("\(out) exists; use --force to replace it") }
            }
            let connection = try await card.connect(presentsPIN: verify != nil)
            let recorder = APDUTraceRecorder()
            let echo = card.stderrTracer
            let c = MynaCard(transport: connection.transport, tracer: { entry in
                recorder.record(entry)
                echo?(entry)
            })
            let atr = await connection.transport.atr
            let extended = await connection.transport.supportsExtendedLength
            var header: [APDUTraceFile.Field] = [
                .init("tool", "mynagate \(MynaGateCommand.version) card trace"),
                .init("reader", connection.reader),
                .init("atr", hex(atr)),
                .init("protocol", connection.linkProtocol),
                .init("extended-length", extended ? "yes" : "no"),
                .init("date", ISO8601DateFormatter().string(from: Date())),
                .init("session", verify.map { "survey, then VERIFY \($0.rawValue)" } ?? "survey (no PIN)"),
            ]
            // The session's failure (a wrong PIN, a card that answers otherwise) is itself worth
            // recording: the file is written first, then the failure is reported.
            var failure: Error?
            var survey: CardTraceSession.Survey?
            do {
                let s = try await CardTraceSession.survey(c)
                survey = s
                if let verify {
                    let kind = verify.pinKind
                    guard let tries = s.triesLeft[kind] else {
                        throw CLIFailure("the card has no \(verify.label) (its application did not answer)")
                    }
                    if !pins.pinStdin && Terminal.isInteractive {
                        let answer = Terminal.prompt("\(verify.label): カードに送ります / send it to the card (a wrong one spends a try)? [y/N] ", echo: true)
                        guard answer.lowercased().hasPrefix("y") else { throw CLIFailure("cancelled; no PIN was sent") }
                    }
                    let (pin, attempt): (PIN, PINAttempt)
                    if verify == .visual && (visualParts || !pins.pinStdin) {
                        (pin, attempt) = try Self.visualFromParts(pins, triesLeft: tries)
                    } else {
                        (pin, attempt) = try pins.obtain(kind, label: verify.label, triesLeft: tries)
                    }
                    _ = try await CardTraceSession.verify(pin, attempt: attempt, on: c)
                }
            } catch {
                failure = error
            }
            header.append(.init("result", failure.map { "stopped: \(Self.describe($0))" } ?? "completed"))
            let file = recorder.file(header: header)
            let text = file.text
            // What is written must read back as the same exchanges, or a replay would test something else.
            do {
                let back = try APDUTraceFile(parsing: text)
                guard back.exchanges.count == file.exchanges.count else {
                    throw CLIFailure("the trace does not read back (\(back.exchanges.count) of \(file.exchanges.count) exchanges)")
                }
            } catch let e as APDUTraceFileError {
                throw CLIFailure("the trace does not read back: \(e)")
            }
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw CLIFailure("cannot write \(out): \(error.localizedDescription)")
            }
            let redacted = file.exchanges.filter { $0.command.isRedacted || $0.response.isRedacted }.count
            print("wrote \(out): \(file.exchanges.count) exchanges, \(redacted) with redacted data")
            if let survey {
                print("applications: " + survey.applications.map(\.rawValue).joined(separator: ", "))
                for (kind, n) in survey.triesLeft.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { print("\(kind.rawValue): \(n) tries left") }
            }
            print("Before sharing, read the file: it should hold hex, '[n bytes redacted]' and '[PIN redacted]' markers and status words only (docs/CARD.md).")
            if let failure { throw failure }
        }
    }

    /// 照合番号B built from the three parts on the card's front with ``VisualPINB``: the birth date's era
    /// digits are shown before anything is sent, since a Gregorian `YYMMDD` is the usual mistake and
    /// costs one of the 10 tries.
    static func visualFromParts(_ pins: PINOptions, triesLeft: Int) throws -> (PIN, PINAttempt) {
        let label = VerifyKind.visual.label
        let attempt = try pins.attempt(.visualB, label: label, triesLeft: triesLeft)
        let birth = try pins.readSecret(label: "生年月日（西暦 YYYYMMDD）/ birth date (Gregorian YYYYMMDD)", echo: true)
        let year = try pins.readSecret(label: "有効期限の年（西暦 YYYY）/ card expiry year (YYYY)", echo: true)
        let code = try pins.readSecret(label: "セキュリティコード（4桁）/ security code (4 digits)")
        let pinB: VisualPINB
        let date: EraDate
        do {
            date = try EraDate(yyyymmdd: birth)
            let y = Array(year.utf8)
            guard y.count == 4, y.allSatisfy({ (0x30...0x39).contains($0) }), let expiry = Int(year) else { throw EraDateError.expiryYearInvalid }
            pinB = try VisualPINB(birthDate: date, expiryYear: expiry, securityCode: code)
        } catch let error as EraDateError {
            throw CLIFailure(error.japaneseMessage + " / " + error.englishMessage + " (nothing was sent)")
        }
        // The holder's own terminal: the date they typed and its era form, never the code.
        FileHandleOutput.standardError.write("""
            照合番号B: 生年月日 \(date.japanese) → \(date.yymmdd)（和暦 / Japanese-era YYMMDD, not Gregorian）\
             + 有効期限 \(year) + セキュリティコード ****

            """)
        if !pins.pinStdin && Terminal.isInteractive {
            let answer = Terminal.prompt("この照合番号Bを送りますか / send it? [y/N] ", echo: true)
            guard answer.lowercased().hasPrefix("y") else { throw CLIFailure("cancelled; no PIN was sent") }
        }
        return (pinB.pin, attempt)
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? MynaCardError { return e.englishMessage }
        if let e = error as? CLIFailure { return e.description }
        return "\(error)"
    }
}
