import ArgumentParser
import Crypto
import Foundation
import MynaCard
import SwiftASN1
import X509

/// `mynagate card cert`: read a certificate from the JPKI application.
struct CardCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Read a JPKI certificate (auth needs no PIN; the signing certificate needs the signing password).",
        discussion: "Without --pem or --out it prints a summary: subject, issuer, serial, validity."
    )

    enum Which: String, EnumerableFlag {
        case auth, sign, authCa, signCa
        var kind: JPKISession.CertificateKind {
            switch self {
            case .auth: return .auth
            case .sign: return .signing
            case .authCa: return .authCA
            case .signCa: return .signingCA
            }
        }
    }

    @Flag(help: "Which certificate (default --auth).") var which: Which = .auth
    @Flag(help: "Print the certificate as PEM.") var pem = false
    @Option(help: "Write the certificate to this file (DER, or PEM with --pem).") var out: String?
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func run() async throws {
        try await reportingCardErrors {
            let c = try await card.open(presentsPIN: which == .sign)
            if which == .sign {
                let tries = try await c.jpki.triesLeft(.signing).value
                let (pin, attempt) = try pins.obtain(.jpkiSigning, label: "署名用パスワード / signing password", triesLeft: tries)
                _ = try await c.jpki.verify(pin, attempt: attempt)
            }
            let der = try await c.jpki.certificateDER(which.kind)
            let pemText = PEMDocument(type: "CERTIFICATE", derBytes: der.value).pemString + "\n"
            if let out {
                let data = pem ? Data(pemText.utf8) : Data(der.value)
                do { try data.write(to: URL(fileURLWithPath: out)) } catch { throw CLIFailure("cannot write \(out): \(error)") }
                FileHandleOutput.standardError.write("wrote \(der.value.count) bytes to \(out) (\(der.usage))\n")
                return
            }
            if pem {
                FileHandleOutput.standardOutput.write(pemText)
                return
            }
            let cert: Certificate
            do { cert = try Certificate(derEncoded: der.value) } catch { throw CLIFailure("the card's certificate does not parse: \(error)") }
            let serial = cert.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
            let iso = ISO8601DateFormatter()
            if json {
                let obj: [String: Any] = [
                    "subject": cert.subject.description, "issuer": cert.issuer.description, "serial": serial,
                    "notBefore": iso.string(from: cert.notValidBefore), "notAfter": iso.string(from: cert.notValidAfter),
                    "bytes": der.value.count, "apdus": der.usage.apdus,
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("subject:   \(cert.subject)")
                print("issuer:    \(cert.issuer)")
                print("serial:    \(serial)")
                print("validity:  \(iso.string(from: cert.notValidBefore)) – \(iso.string(from: cert.notValidAfter))")
                print("size:      \(der.value.count) bytes (\(der.usage))")
            }
        }
    }
}

/// `mynagate card sign`: sign a file's SHA-256 with the auth or signing key.
struct CardSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the SHA-256 of a file with the card's auth key or signing key (asks for its PIN).",
        discussion: "The signature is RSASSA-PKCS1-v1_5 with SHA-256; it verifies with `openssl dgst -sha256 -verify`."
    )

    enum KeyChoice: String, ExpressibleByArgument, CaseIterable { case auth, sign }

    @Option(help: "Which key: auth (4-digit PIN) or sign (signing password).") var key: KeyChoice = .auth
    @Option(name: .customLong("in"), help: "The file to sign.") var input: String
    @Option(help: "Write the 256-byte signature here (default: base64 on standard output).") var out: String?
    @OptionGroup var card: CardOptions
    @OptionGroup var pins: PINOptions

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch { throw ValidationError("cannot read \(input)") }
        let digest = Array(SHA256.hash(data: data))
        try await reportingCardErrors {
            let c = try await card.open(presentsPIN: true)
            let k: JPKISession.Key = key == .auth ? .auth : .signing
            let kind: PINKind = key == .auth ? .jpkiAuth : .jpkiSigning
            let tries = try await c.jpki.triesLeft(k).value
            let label = key == .auth ? "利用者証明用PIN / authentication PIN" : "署名用パスワード / signing password"
            let (pin, attempt) = try pins.obtain(kind, label: label, triesLeft: tries)
            // VERIFY and SIGN in one transaction: nothing else reaches the card between them.
            let sig = try await c.jpki.verifyAndSign(pin, attempt: attempt, sha256Digest: digest, with: k)
            if let out {
                do { try Data(sig.value).write(to: URL(fileURLWithPath: out)) } catch { throw CLIFailure("cannot write \(out)") }
                FileHandleOutput.standardError.write("signature written to \(out) (\(sig.usage) for the signature)\n")
            } else {
                print(Data(sig.value).base64EncodedString())
            }
        }
    }
}
