import ArgumentParser
import Foundation
import MynaCardSim

/// `mynagate pki init DIR`: a new JPKI-shaped TEST hierarchy.
struct PKIInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a TEST JPKI hierarchy (auth and signing CAs) in DIR.",
        discussion: """
            Writes auth-ca.pem, auth-ca-key.pem, sign-ca.pem and sign-ca-key.pem (keys with mode 0600): \
            two self-signed RSA-2048 roots shaped like J-LIS's, with TEST in their names. DIR then serves \
            as --anchors for `trust verify` and as the CA of `pki issue`.

            Examples:
              mynagate pki init ./test-ca
            """
    )

    @Argument(help: "The directory to create (must not hold a hierarchy already).")
    var directory: String

    @Flag(help: "Replace an existing hierarchy in DIR (cards issued by it will no longer validate).")
    var force = false

    func run() async throws {
        let url = URL(fileURLWithPath: directory)
        let existing = url.appendingPathComponent(TestJPKIHierarchy.FileName.authCA)
        if FileManager.default.fileExists(atPath: existing.path) && !force {
            FileHandleOutput.standardError.write("mynagate: \(directory) already holds a hierarchy; use --force to replace it\n")
            throw ExitCode(1)
        }
        do {
            let hierarchy = try TestJPKIHierarchy.generate()
            try hierarchy.save(to: url)
            FileHandleOutput.standardOutput.write("""
                test hierarchy in \(url.path)
                  auth CA: \(hierarchy.authCACertificate.subject) (until \(hierarchy.authCACertificate.notValidAfter.formatted(.iso8601)))
                  sign CA: \(hierarchy.signCACertificate.subject) (until \(hierarchy.signCACertificate.notValidAfter.formatted(.iso8601)))

                """)
        } catch {
            FileHandleOutput.standardError.write("mynagate: cannot create the hierarchy in \(url.path): \(error)\n")
            throw ExitCode(1)
        }
    }
}
