import ArgumentParser
import Foundation
import Trust
import X509

/// `mynagate trust verify CERT`: is this card certificate valid here, now (or at --at), and if not, why.
struct TrustVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Validate a card certificate against configured trust anchors (and CRLs).",
        discussion: """
            CERT is a PEM or DER certificate. The chain must end at an anchor for the purpose: \
            --anchors DIR holds auth/ and sign/ sub-directories of CA certificates, or is a test \
            hierarchy made by `mynagate pki init` (auth-ca.pem, sign-ca.pem). Nothing is trusted \
            unless configured; MYNAGATE_ANCHORS is used when --anchors is not given.

            With --crl, each CRL (DER or PEM; complete, or delta on a complete one given before it) is \
            checked with its issuer's anchor key and consulted for revocation; a stale CRL makes the \
            verdict "revocation unknown" unless --stale-hours accepts it for that long.

            The certificate policy rule is off unless --policy-rule (or MYNAGATE_CERT_POLICY) says \
            warn or require: no reference confirms the JPKI authentication policy OID on a real card \
            (docs/CARD.md, "Certificates"). --policy names the OIDs (default: the known one for the \
            purpose); under warn the certificate is valid and a warning is printed.

            Exit status: 0 valid, 1 invalid, 2 usage or configuration error.

            Examples:
              mynagate trust verify card.pem --anchors ./test-ca
              mynagate trust verify card.der --anchors /etc/mynagate/anchors --crl auth.crl --json
              mynagate trust verify card.pem --anchors ./test-ca --at 2031-01-01T00:00:00Z
              mynagate trust verify card.der --anchors /etc/mynagate/anchors --policy-rule warn
            """
    )

    @Argument(help: "The certificate (PEM or DER).")
    var certificate: String

    @Option(help: ArgumentHelp("Validation time (default: now).", valueName: "ISO8601"))
    var at: String?

    @Option(help: ArgumentHelp("Trust anchors directory (default: $MYNAGATE_ANCHORS).", valueName: "DIR"))
    var anchors: String?

    @Option(help: "auth (user authentication) or sign (signing).")
    var purpose: TrustPurpose = .auth

    @Option(help: ArgumentHelp("Certificate policy rule: off, warn or require (default: $MYNAGATE_CERT_POLICY, else off).",
                               valueName: "MODE"))
    var policyRule: CertificatePolicyRule.Mode?

    @Option(name: .customLong("policy"), help: ArgumentHelp("A policy OID for the rule (repeatable; default: the known one for the purpose).",
                                                           valueName: "OID"))
    var policies: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("CRL files to check revocation with.", valueName: "FILE"))
    var crl: [String] = []

    @Option(help: ArgumentHelp("Accept a stale CRL for this many hours (default: fail closed).", valueName: "N"))
    var staleHours: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let at, Self.parseTime(at) == nil { throw ValidationError("--at must be ISO 8601, such as 2030-04-01T09:00:00Z") }
        if let staleHours, staleHours < 0 { throw ValidationError("--stale-hours must not be negative") }
        do { _ = try CertificatePolicyRule.parsePolicies(policies) } catch { throw ValidationError("--policy: \(error)") }
    }

    /// The rule from the options, else $MYNAGATE_CERT_POLICY, else off.
    func rule() throws -> CertificatePolicyRule {
        var mode = policyRule ?? .off
        if policyRule == nil, let v = ProcessInfo.processInfo.environment["MYNAGATE_CERT_POLICY"] {
            guard let m = CertificatePolicyRule.Mode(rawValue: v) else {
                TrustConfiguration.fail("MYNAGATE_CERT_POLICY must be off, warn or require")
            }
            mode = m
        }
        guard !policies.isEmpty else { return .known(mode, for: purpose) }
        return CertificatePolicyRule(mode: mode, policies: try CertificatePolicyRule.parsePolicies(policies))
    }

    static func parseTime(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return d }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        return dateOnly.date(from: text)
    }

    func run() async throws {
        let time = at.flatMap(Self.parseTime) ?? Date()
        let trust = try TrustConfiguration.anchors(anchors)
        guard !trust.isEmpty(for: purpose) else {
            TrustConfiguration.fail("no \(purpose.rawValue) anchors configured")
        }
        guard let bytes = FileManager.default.contents(atPath: certificate) else {
            TrustConfiguration.fail("cannot read \(certificate)")
        }
        var validator = CardCertificateValidator(anchors: trust, purpose: purpose, policyRule: try rule())
        if !crl.isEmpty {
            validator.revocationChecker = try TrustConfiguration.crlChecker(files: crl, anchors: trust.certificates(for: purpose),
                                                                           staleHours: staleHours)
        }
        let result = await validator.validate(encoded: Array(bytes), at: time)
        if json {
            FileHandleOutput.standardOutput.write(try Self.json(result, file: certificate, at: time, revocationChecked: !crl.isEmpty) + "\n")
        } else {
            FileHandleOutput.standardOutput.write("\(certificate): \(result)\n")
            if let chain = result.chain {
                for (i, c) in chain.enumerated() {
                    FileHandleOutput.standardOutput.write("  \(i): \(c.subject) (until \(c.notValidAfter.formatted(.iso8601)))\n")
                }
            }
            for warning in result.warnings { FileHandleOutput.standardOutput.write("  warning: \(warning)\n") }
        }
        if !result.isValid { throw ExitCode(1) }
    }

    static func json(_ result: ValidationResult, file: String, at time: Date, revocationChecked: Bool) throws -> String {
        struct Link: Encodable { let subject: String, serial: String, notBefore: Date, notAfter: Date }
        struct Output: Encodable {
            let certificate: String, at: Date, valid: Bool
            let category: String?, reason: String?, revocationChecked: Bool
            let chain: [Link]?
            let warnings: [String]
        }
        let out = Output(
            certificate: file, at: time, valid: result.isValid, category: result.failure?.category,
            reason: result.failure?.description, revocationChecked: revocationChecked,
            chain: result.chain?.map { Link(subject: $0.subject.description, serial: $0.serialNumber.description,
                                            notBefore: $0.notValidBefore, notAfter: $0.notValidAfter) },
            warnings: result.warnings.map(\.description))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(out), as: UTF8.self)
    }
}

extension TrustPurpose: ExpressibleByArgument {}
extension CertificatePolicyRule.Mode: ExpressibleByArgument {}
