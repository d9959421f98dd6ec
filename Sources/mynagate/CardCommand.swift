import ArgumentParser

/// `mynagate card …`: read a My Number card through a PC/SC reader or a virtual card file.
struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Read a My Number card (PC/SC reader or --vcard FILE).",
        subcommands: [CardReadersCommand.self, CardStatusCommand.self, CardCertCommand.self, CardSignCommand.self, CardEnrollCommand.self, CardInfoCommand.self, CardTraceCommand.self]
    )
}
