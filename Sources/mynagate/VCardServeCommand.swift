import ArgumentParser
import Dispatch
import Foundation
import MynaCardSim
import PCSC
import SmartCard
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mynagate vcard serve CARDFILE`: puts a virtual card into pcscd through vsmartcard's vpcd reader.
struct VCardServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Put a virtual card into pcscd (vsmartcard vpcd) until interrupted.",
        discussion: """
            vpcd, loaded by pcscd, listens on a TCP port (35963 for the reader "Virtual PCD 00 00", \
            35964 for "... 00 01"); this command connects to it, and the card appears in that reader for \
            every PC/SC program (OpenSC, `mynagate card …`). It keeps reconnecting while pcscd restarts, \
            and stops on SIGINT or SIGTERM.

            One line is printed when the card is in the reader. PIN tries spent and PINs changed while \
            serving are written back to CARDFILE, as a real card keeps them.

            Examples:
              mynagate vcard serve alice.vcard
              mynagate vcard serve alice.vcard --port 35964
              mynagate vcard serve alice.vcard --refuse-extended   # a reader without extended APDUs
            """
    )

    @Argument(help: "The card file made by `mynagate vcard new`.")
    var cardFile: String

    @Option(help: "The host where pcscd's vpcd listens.")
    var host = "127.0.0.1"

    @Option(help: "vpcd's port.")
    var port: UInt16 = VPCDBridge.defaultPort

    @Option(help: "Answer to reset in hex (default: the card's own, 3B E0 00 FF 81 31 FE 45 14).")
    var atr: String?

    @Flag(help: "Act as a reader that does not carry extended-length APDUs: answer each with 67 00.")
    var refuseExtended = false

    @Flag(help: "Act as a reader that garbles extended-length APDUs: answer each with one byte and no status word.")
    var dropExtended = false

    @Flag(help: "Forget verified PINs when another application is selected (unknown on real cards; default: keep them until reset).")
    var forgetPinsOnSelect = false

    func validate() throws {
        if let atr, Self.parseHex(atr) == nil {
            throw ValidationError("--atr must be 2 to 33 bytes of hex, such as 3BE000FF8131FE4514")
        }
        if refuseExtended && dropExtended { throw ValidationError("give --refuse-extended or --drop-extended, not both") }
    }

    func run() async throws {
        let card: VirtualMynaCard
        do {
            card = try VirtualMynaCard.load(contentsOf: URL(fileURLWithPath: cardFile),
                                            forgetsPINsOnApplicationChange: forgetPinsOnSelect)
        } catch {
            FileHandleOutput.standardError.write("mynagate: cannot load \(cardFile): \(error)\n")
            throw ExitCode(1)
        }
        let answer = atr.flatMap(Self.parseHex) ?? card.atr
        let atrText = CardReadersCommand.hex(answer, separator: " ")
        var served: any CardEmulator = card
        if refuseExtended { served = ShortAPDUReader(card: card, refusal: .wrongLength) }
        if dropExtended { served = ShortAPDUReader(card: card, refusal: .linkFailure) }
        let bridge = VPCDBridge(card: served, host: host, port: port, atr: answer) { event in
            switch event {
            case .connected(let host, let port):
                FileHandleOutput.standardOutput.write("card in vpcd at \(host):\(port) (ATR \(atrText))\n")
            case .disconnected:
                FileHandleOutput.standardError.write("vpcd closed the connection; reconnecting\n")
            }
        }

        // SIGINT/SIGTERM end the bridge cleanly (the card leaves the reader) instead of killing the
        // process in the middle of an APDU.
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { bridge.stop() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        do {
            try await bridge.run()
        } catch let failure as VPCDBridge.Failure {
            FileHandleOutput.standardError.write("mynagate: \(failure)\n")
            throw ExitCode(1)
        }
    }

    /// Hex with optional spaces or colons, 2 to 33 bytes (an ATR's limits, ISO/IEC 7816-3).
    static func parseHex(_ text: String) -> [UInt8]? {
        let digits = text.filter { !" :".contains($0) }
        guard digits.count % 2 == 0, (4...66).contains(digits.count) else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
