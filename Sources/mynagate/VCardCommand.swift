import ArgumentParser

/// `mynagate vcard …`: make and serve virtual My Number cards for tests and demos.
struct VCardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vcard",
        abstract: "Make virtual My Number cards and put them into pcscd (vpcd).",
        subcommands: [VCardNewCommand.self, VCardServeCommand.self]
    )
}
