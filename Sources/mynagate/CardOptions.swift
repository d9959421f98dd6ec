import ArgumentParser
import Foundation
import MynaCard
import MynaCardSim
import PCSC
import SmartCard

/// How a `card` command reaches the card: a PC/SC reader, or a virtual card file.
struct CardOptions: ParsableArguments {
    @Option(help: "PC/SC reader name (default: the first reader with a card).")
    var reader: String?

    @Option(help: "Use this virtual card file instead of a reader (made by `mynagate vcard new`).")
    var vcard: String?

    @Flag(help: "Print every APDU to standard error (PINs and the My Number are redacted).")
    var trace = false

    @Option(help: "Seconds to wait for a card to be presented.")
    var wait: Double = 10

    @Flag(help: "Use only short APDUs (for readers that claim extended length but fail with it).")
    var noExtended = false

    func validate() throws {
        if reader != nil && vcard != nil { throw ValidationError("give --reader or --vcard, not both") }
        guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
    }

    /// Opens the card. The returned transport is kept alive by the caller for the command's duration.
    ///
    /// - Parameter presentsPIN: the command will send a PIN. A reader's card is then connected
    ///   exclusively, so no other program can use the key the PIN unlocks while we hold it
    ///   (soltia48/myna-card README, "Who else may hold the card"); without a PIN it is shared and each
    ///   operation runs in a PC/SC transaction. The connection is closed with a reset either way.
    func open(presentsPIN: Bool = false) async throws -> MynaCard {
        MynaCard(transport: try await connect(presentsPIN: presentsPIN).transport, tracer: stderrTracer)
    }

    /// `--trace`: every APDU to standard error, as ``APDUTraceEntry`` redacted it.
    var stderrTracer: (@Sendable (APDUTraceEntry) -> Void)? {
        guard trace else { return nil }
        return { entry in FileHandleOutput.standardError.write(entry.description + "\n") }
    }

    /// A connected card and where it is, for a trace file's header (`mynagate card trace`).
    struct Connection {
        var transport: any CardTransport
        /// The PC/SC reader's name, or `virtual card FILE`.
        var reader: String
        /// `T=0`, `T=1` or `in-process` (the virtual card has no link protocol).
        var linkProtocol: String
    }

    /// Connects to the card without wrapping it in a client; `presentsPIN` as for ``open(presentsPIN:)``.
    func connect(presentsPIN: Bool = false) async throws -> Connection {
        if let vcard {
            let card: VirtualMynaCard
            do {
                card = try VirtualMynaCard.load(contentsOf: URL(fileURLWithPath: vcard))
            } catch {
                throw CLIFailure("cannot load the virtual card \(vcard): \(error)")
            }
            return Connection(transport: EmulatedCardTransport(card: card, supportsExtendedLength: !noExtended),
                              reader: "virtual card \(URL(fileURLWithPath: vcard).lastPathComponent)", linkProtocol: "in-process")
        }
        let context: PCSCContext
        do { context = try PCSCContext() } catch { throw CLIFailure("PC/SC is not available: \(error)") }
        let name: String
        if let reader {
            name = reader
        } else {
            let readers = try context.readers()
            guard !readers.isEmpty else { throw CLIFailure("no PC/SC reader found (is pcscd running and the reader plugged in?)") }
            let withCard = (try? context.status(of: readers))?.first { $0.cardPresent }?.reader
            name = withCard ?? readers[0]
        }
        if !((try? context.status(of: [name]))?.first?.cardPresent ?? false) {
            FileHandleOutput.standardError.write("カードをかざしてください / present the card on \(name)…\n")
            guard try await context.waitForCard(reader: name, timeout: .milliseconds(Int(wait * 1000))) else {
                throw CLIFailure("no card was presented within \(wait) seconds")
            }
        }
        let transport = try context.connect(reader: name, shareMode: presentsPIN ? .exclusive : .shared,
                                            supportsExtendedLength: noExtended ? false : nil)
        let active = await transport.activeProtocols
        return Connection(transport: transport, reader: name, linkProtocol: active.contains(.t1) ? "T=1" : active.contains(.t0) ? "T=0" : "unknown")
    }
}

/// How PINs reach a `card` command: never from an argument (it would land in shell history and `ps`).
struct PINOptions: ParsableArguments {
    @Flag(help: "Read PINs from standard input, one a line, instead of prompting.")
    var pinStdin = false

    @Flag(help: "Allow sending a PIN when only one try is left (a wrong PIN then blocks it).")
    var confirmLastTry = false

    /// Reads one PIN for `kind`, after telling the holder how many tries are left.
    ///
    /// With one try left it asks for confirmation (or requires `--confirm-last-try` when not
    /// interactive); with none it stops without asking.
    func obtain(_ kind: PINKind, label: String, triesLeft: Int) throws -> (PIN, PINAttempt) {
        let attempt = try attempt(kind, label: label, triesLeft: triesLeft)
        let text = try readSecret(label: label)
        do {
            return (try PIN(text, kind: kind), attempt)
        } catch {
            throw CLIFailure(error.japaneseMessage + " / " + error.englishMessage)
        }
    }

    /// Tells the holder the tries left and applies the PIN rules before anything is typed: stops when
    /// blocked, asks (or requires `--confirm-last-try`) with one try left.
    func attempt(_ kind: PINKind, label: String, triesLeft: Int) throws -> PINAttempt {
        FileHandleOutput.standardError.write("\(label): 残り\(triesLeft)回 / \(triesLeft) \(triesLeft == 1 ? "try" : "tries") left\n")
        if triesLeft == 0 { throw CLIFailure(MynaCardError.pinBlocked(kind).japaneseMessage + " / " + MynaCardError.pinBlocked(kind).englishMessage) }
        var attempt = PINAttempt.normal
        if triesLeft == 1 {
            if confirmLastTry {
                attempt = .confirmedLastTry
            } else if !pinStdin && Terminal.isInteractive {
                let answer = Terminal.prompt("残り1回です。間違えるとロックされます。続けますか / one try left, continue? [y/N] ", echo: true)
                guard answer.lowercased().hasPrefix("y") else { throw CLIFailure("cancelled; no PIN was sent") }
                attempt = .confirmedLastTry
            } else {
                throw CLIFailure(MynaCardError.lastTryNeedsConfirmation(kind).englishMessage + " (use --confirm-last-try)")
            }
        }
        return attempt
    }

    /// One line from standard input with `--pin-stdin`, else typed without echo at a terminal.
    func readSecret(label: String, echo: Bool = false) throws -> String {
        if pinStdin {
            guard let line = readLine(strippingNewline: true) else { throw CLIFailure("standard input ended before the \(label)") }
            return line
        } else if Terminal.isInteractive {
            return Terminal.prompt("\(label): ", echo: echo)
        } else {
            throw CLIFailure("no terminal to ask for the \(label); use --pin-stdin")
        }
    }
}

/// A failure to report in one line and exit 1 (not a usage error).
struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { self.description = message }
}

extension CLIFailure: LocalizedError {
    var errorDescription: String? { description }
}

/// Runs `body`, printing card errors in Japanese and English and exiting 1.
func reportingCardErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as MynaCardError {
        FileHandleOutput.standardError.write("エラー: \(error.japaneseMessage)\nerror: \(error.englishMessage)\n")
        throw ExitCode(1)
    } catch let error as CLIFailure {
        FileHandleOutput.standardError.write("error: \(error.description)\n")
        throw ExitCode(1)
    }
}

/// Terminal prompts without echo (termios), for PINs.
enum Terminal {
    static var isInteractive: Bool { isatty(0) == 1 }

    static func prompt(_ text: String, echo: Bool) -> String {
        FileHandleOutput.standardError.write(text)
        var old = termios()
        let haveTTY = tcgetattr(0, &old) == 0
        if haveTTY && !echo {
            var quiet = old
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        let line = readLine(strippingNewline: true) ?? ""
        if haveTTY && !echo {
            tcsetattr(0, TCSAFLUSH, &old)
            FileHandleOutput.standardError.write("\n")
        }
        return line
    }
}
