import ArgumentParser
import Foundation
import PCSC

/// `mynagate card readers`: the PC/SC readers, and the card in each with its ATR.
struct CardReadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List PC/SC readers and whether a card is in each (with its ATR).",
        discussion: """
            Reads only what pcscd reports; no command is sent to any card.

            Exit status: 0 listed (also when there is no reader), 1 when PC/SC cannot be used \
            (libpcsclite not installed, pcscd not running).

            Examples:
              mynagate card readers
              mynagate card readers --json
            """
    )

    @Flag(help: "Print JSON: {\"readers\":[{\"name\",\"cardPresent\",\"atr\",...}]}.")
    var json = false

    /// One line of the JSON output.
    struct ReaderReport: Encodable {
        var name: String
        var cardPresent: Bool
        /// Hex without spaces; empty without a card.
        var atr: String
        var inUse: Bool
        var exclusive: Bool
        var mute: Bool
    }

    func run() async throws {
        let statuses: [PCSCReaderStatus]
        do {
            statuses = try PCSCContext().status()
        } catch let error as PCSCError {
            FileHandleOutput.standardError.write("mynagate: \(Self.explain(error))\n")
            throw ExitCode(1)
        }
        if json {
            let reports = statuses.map {
                ReaderReport(name: $0.reader, cardPresent: $0.cardPresent, atr: Self.hex($0.atr, separator: ""),
                             inUse: $0.inUse, exclusive: $0.exclusive, mute: $0.mute)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(["readers": reports])
            FileHandleOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
            return
        }
        if statuses.isEmpty {
            FileHandleOutput.standardOutput.write("no PC/SC reader is connected\n")
            return
        }
        for status in statuses {
            let state: String
            if status.cardPresent {
                state = "card present, ATR \(Self.hex(status.atr, separator: " "))"
                    + (status.exclusive ? " (held exclusively by another program)" : "")
            } else if status.mute {
                state = "card present but not answering (mute)"
            } else {
                state = "no card"
            }
            FileHandleOutput.standardOutput.write("\(status.reader): \(state)\n")
        }
    }

    /// The error with what to do about it, for someone at a terminal.
    static func explain(_ error: PCSCError) -> String {
        switch error {
        case .libraryMissing:
            return "\(error) (Debian/Ubuntu: apt-get install pcscd libpcsclite1)"
        case .call(_, .noService), .call(_, .serviceStopped):
            return "\(error); start it with `pcscd` (or `systemctl start pcscd.socket`)"
        default:
            return error.description
        }
    }

    static func hex(_ bytes: [UInt8], separator: String) -> String {
        bytes.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined(separator: separator)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
