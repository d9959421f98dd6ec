import ArgumentParser

/// `mynagate trust …`: certificate validation and revocation (issue 4).
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Validate JPKI certificates and manage revocation lists.",
        subcommands: [TrustCRLCommand.self, TrustVerifyCommand.self, TrustStatusCommand.self]
    )
}
