import ArgumentParser
import Foundation
import MynaCardSim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mynagate vcard new FILE`: issues a virtual My Number card from a test JPKI hierarchy.
struct VCardNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Issue a virtual My Number card into FILE, signed by a TEST JPKI hierarchy.",
        discussion: """
            The card gets new RSA-2048 keys, a user-authentication certificate (subject CN=<random id>, \
            C=JP) and a signing certificate carrying the holder's name, sex, birth date and address, both \
            valid until the holder's 5th birthday after today. Holder data not given as options is made up, \
            with a valid random individual number.

            Test hierarchy: with --ca DIR the CAs are read from DIR (auth-ca.pem, auth-ca-key.pem, \
            sign-ca.pem, sign-ca-key.pem); without it, from FILE.ca/ beside the card file. Either way, \
            when the directory is missing or empty a new hierarchy is generated and saved there, so \
            later cards issued with the same directory share the same trust anchors.

            PINs: the user-authentication PIN (4 digits) and the signing password (6-16 characters A-Z \
            0-9) are asked for without echo on a terminal, or read as two lines from standard input with \
            --pin-stdin. The text application's PIN (券面事項入力補助用, 4 digits) is the auth PIN's value, \
            as many holders choose at the city office; with --separate-text-pin it is asked for too (a \
            third line with --pin-stdin), since on a real card it can differ. There are no default PINs.

            照合番号B (the visual application's key) is made as on a real card: the birth date with its \
            Japanese-era year YYMMDD (1990-06-15 is 平成2 -> 020615; 元年 is 01), then the card's expiry \
            year YYYY, then the 4-digit security code kept in the card file.

            The card file holds private keys, PINs and the individual number; it is written with mode \
            0600. Nothing this command prints contains the individual number or a PIN.

            Exit status: 0 issued, 1 failure, 2 usage error.

            Examples:
              mynagate vcard new alice.vcard --name "番号　花子" --birth 19900615
              printf '1234\\nABC123\\n' | mynagate vcard new bob.vcard --ca ./test-ca --pin-stdin --json
              printf '1234\\nABC123\\n5678\\n' | mynagate vcard new carol.vcard --pin-stdin --separate-text-pin
            """
    )

    @Argument(help: "The card file to write.")
    var file: String

    @Option(help: ArgumentHelp("Directory of the test JPKI hierarchy (default: FILE.ca/).", valueName: "DIR"))
    var ca: String?

    @OptionGroup var holderOptions: HolderOptions

    @Flag(help: "Read the auth PIN and the signing password as two lines from standard input (a third line: the text PIN, with --separate-text-pin).")
    var pinStdin = false

    @Flag(name: .customLong("separate-text-pin"), help: "Give the text application's PIN separately instead of making it the auth PIN's value.")
    var separateTextPIN = false

    @Flag(help: "Overwrite FILE if it exists.")
    var force = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        do {
            try issue()
        } catch let failure as VCardNewFailure {
            FileHandleOutput.standardError.write("error: \(failure.message)\n")
            throw ExitCode(1)
        } catch let error as VirtualCardError {
            FileHandleOutput.standardError.write("error: \(error.description)\n")
            throw ExitCode(1)
        }
    }

    private func issue() throws {
        let cardURL = URL(fileURLWithPath: file)
        let fm = FileManager.default
        if fm.fileExists(atPath: cardURL.path) && !force {
            throw VCardNewFailure("\(cardURL.path) exists; use --force to overwrite it")
        }
        // Asked before the slow key generation, so a cancelled prompt costs nothing.
        let (authPIN, password, textPIN) = try readPINs()

        let holder = holderOptions.applied(to: CardHolder.random())

        let caURL = URL(fileURLWithPath: ca ?? file + ".ca")
        let (hierarchy, created) = try loadOrCreateHierarchy(at: caURL)
        let state = try hierarchy.issueCard(holder: holder, authPIN: authPIN, signingPassword: password, textPIN: textPIN)
        do {
            try VirtualMynaCard(state: state).save(to: cardURL)
        } catch {
            throw VCardNewFailure("cannot write \(cardURL.path)")
        }
        let auth: CertificateSummary
        let sign: CertificateSummary
        do {
            auth = try CertificateSummary(der: state.authCertificate)
            sign = try CertificateSummary(der: state.signCertificate)
        } catch {
            throw VCardNewFailure("the issued certificate does not parse")
        }
        report(card: cardURL, ca: caURL, created: created, auth: auth, sign: sign, state: state)
    }

    /// Loads the hierarchy in `directory`, or makes and saves one there when the directory is missing
    /// or empty. A directory with other content is left alone: it is not ours to fill.
    private func loadOrCreateHierarchy(at directory: URL) throws -> (TestJPKIHierarchy, Bool) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: directory.path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw VCardNewFailure("\(directory.path) is not a directory")
        }
        let contents = exists ? ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []) : []
        if contents.filter({ !$0.hasPrefix(".") }).isEmpty {
            let hierarchy = try TestJPKIHierarchy.generate()
            do { try hierarchy.save(to: directory) } catch {
                throw VCardNewFailure("cannot save the test hierarchy to \(directory.path)")
            }
            return (hierarchy, true)
        }
        return (try TestJPKIHierarchy.load(from: directory), false)
    }

    /// The auth PIN, the signing password and, with --separate-text-pin, the text PIN (`nil`: the auth PIN's value).
    private func readPINs() throws -> (String, String, String?) {
        let authPIN: String
        let password: String
        var textPIN: String?
        if pinStdin {
            guard let a = readLine(strippingNewline: true), let p = readLine(strippingNewline: true) else {
                throw VCardNewFailure("--pin-stdin needs two lines: the auth PIN, then the signing password")
            }
            authPIN = Self.trimmed(a)
            password = Self.trimmed(p)
            if separateTextPIN {
                guard let t = readLine(strippingNewline: true) else {
                    throw VCardNewFailure("--pin-stdin with --separate-text-pin needs a third line: the text PIN")
                }
                textPIN = Self.trimmed(t)
            }
        } else if isatty(0) == 1 {
            authPIN = try Self.askTwice("利用者証明用PIN (4 digits)")
            password = try Self.askTwice("署名用パスワード (6-16 characters A-Z 0-9)")
            if separateTextPIN { textPIN = try Self.askTwice("券面事項入力補助用PIN (4 digits)") }
        } else {
            throw VCardNewFailure("no terminal to ask for the PINs; pass them as two lines on standard input with --pin-stdin")
        }
        // Checked here too so that the message names the rule before any key is generated.
        guard PINCounter.Format.fourDigits.accepts(authPIN) else {
            throw VCardNewFailure("the auth PIN must be exactly 4 digits")
        }
        guard PINCounter.Format.signingPassword.accepts(password) else {
            throw VCardNewFailure("the signing password must be 6 to 16 characters A-Z 0-9 (upper case)")
        }
        if let textPIN, !PINCounter.Format.fourDigits.accepts(textPIN) {
            throw VCardNewFailure("the text PIN must be exactly 4 digits")
        }
        return (authPIN, password, textPIN)
    }

    private static func trimmed(_ s: String) -> String {
        s.hasSuffix("\r") ? String(s.dropLast()) : s
    }

    private static func askTwice(_ label: String) throws -> String {
        let first = prompt("\(label): ")
        let second = prompt("\(label) (again): ")
        guard first == second else { throw VCardNewFailure("the two entries of the \(label) differ") }
        return first
    }

    /// Reads one line from the terminal with echo off (termios), so the PIN never shows on screen.
    private static func prompt(_ text: String) -> String {
        FileHandleOutput.standardError.write(text)
        var old = termios()
        let haveTTY = tcgetattr(0, &old) == 0
        if haveTTY {
            var quiet = old
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        let line = readLine(strippingNewline: true) ?? ""
        if haveTTY {
            tcsetattr(0, TCSAFLUSH, &old)
            FileHandleOutput.standardError.write("\n")
        }
        return trimmed(line)
    }

    private func report(card: URL, ca: URL, created: Bool, auth: CertificateSummary, sign: CertificateSummary,
                        state: VirtualCardState) {
        let iso = ISO8601DateFormatter()
        if json {
            struct Output: Encodable {
                let cardFile: String, caDirectory: String, caCreated: Bool
                let authCertificate: Cert, signCertificate: Cert
                let cardExpiry: String
                struct Cert: Encodable { let serial: String, subject: String, issuer: String, notBefore: String, notAfter: String }
            }
            func cert(_ c: CertificateSummary) -> Output.Cert {
                .init(serial: c.serialHex, subject: c.subject, issuer: c.issuer,
                      notBefore: iso.string(from: c.notBefore), notAfter: iso.string(from: c.notAfter))
            }
            let output = Output(cardFile: card.path, caDirectory: ca.path, caCreated: created,
                                authCertificate: cert(auth), signCertificate: cert(sign), cardExpiry: state.cardExpiry)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(output)) ?? Data("{}".utf8)
            FileHandleOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
            return
        }
        // The signing certificate's subject and SAN name the holder's locality and the four items, so
        // only its serial and validity are shown.
        FileHandleOutput.standardOutput.write("""
            card file:        \(card.path) (mode 0600: holds keys, PINs and the individual number)
            test CA:          \(ca.path)\(created ? " (new hierarchy created)" : "")
            auth certificate: serial \(auth.serialHex)
                              subject \(auth.subject)
                              issuer  \(auth.issuer)
                              valid   \(iso.string(from: auth.notBefore)) to \(iso.string(from: auth.notAfter))
            sign certificate: serial \(sign.serialHex), valid to \(iso.string(from: sign.notAfter))
            card expiry:      \(state.cardExpiry)

            """)
    }
}

/// A failure `vcard new` reports in one line before exiting 1.
private struct VCardNewFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
