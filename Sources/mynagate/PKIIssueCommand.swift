import ArgumentParser
import Foundation
import MynaCardSim

/// `mynagate pki issue DIR --out CARDFILE`: a virtual card signed by DIR's test CAs.
///
/// The card is made by `vcard new` (same holder options, PIN prompts and report), run with `--ca DIR`;
/// this command only insists that DIR already holds a hierarchy, so a typo does not silently make a new
/// one whose cards no anchor trusts.
struct PKIIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a virtual card from the TEST hierarchy in DIR (made by `pki init`).",
        discussion: """
            Same as `mynagate vcard new CARDFILE --ca DIR`, except that DIR must already hold a hierarchy. \
            PINs are asked without echo, or read as two lines (auth PIN, signing password) with --pin-stdin; \
            they are never printed.

            Examples:
              mynagate pki issue ./test-ca --out alice.vcard --name "番号 花子"
              printf '1234\\nABC123\\n' | mynagate pki issue ./test-ca --out bob.vcard --pin-stdin --json
            """
    )

    @Argument(help: "The hierarchy directory.")
    var directory: String

    @Option(help: ArgumentHelp("The card file to write.", valueName: "CARDFILE"))
    var out: String

    @OptionGroup var holderOptions: HolderOptions

    @Flag(help: "Read the auth PIN and the signing password as two lines from standard input.")
    var pinStdin = false

    @Flag(help: "Overwrite CARDFILE if it exists.")
    var force = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        do {
            _ = try TestJPKIHierarchy.load(from: URL(fileURLWithPath: directory))
        } catch {
            FileHandleOutput.standardError.write("mynagate: \(directory) is not a test hierarchy (run `mynagate pki init \(directory)`): \(error)\n")
            throw ExitCode(1)
        }
        var arguments = [out, "--ca", directory]
        arguments += holderOptions.arguments
        if pinStdin { arguments.append("--pin-stdin") }
        if force { arguments.append("--force") }
        if json { arguments.append("--json") }
        let issue = try VCardNewCommand.parse(arguments)
        try await issue.run()
    }
}
