import ArgumentParser

/// `mynagate pki …`: a test JPKI-shaped PKI for development, tests and benchmarks.
struct PKICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "A test PKI: hierarchies, cards, revocations and CRLs (never the real J-LIS one).",
        subcommands: [PKICRLCommand.self, PKIRevokeCommand.self, PKIInitCommand.self, PKIIssueCommand.self]
    )
}
