import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MynaCard
import MynaCardSim
import SmartCard
import Trust
import X509

/// `mynagate bench verify`: challenge verifications per second per core through ``ChallengeService``,
/// beside `openssl speed rsa2048` verify/s on the same machine in the same run.
///
/// Every response is a real one: a challenge issued by the service and signed by an in-process virtual
/// card over APDUs (VERIFY PIN, then COMPUTE DIGITAL SIGNATURE). Issuing and signing are not timed; the
/// timed part is `ChallengeService.verify`, one call after another on one task (one core): lookup and
/// consumption, expiry and context, the RSA PKCS#1 v1.5 signature, and the certificate's validation.
///
/// Two figures are given: with the service's memory of validated paths (a door seeing its regular cards;
/// the certificate's validity times and JPKI rules are still re-checked each time) and without it (every
/// response also runs swift-certificates' `Verifier`, a second RSA verification of the CA's signature).
/// The goal (issue 4) is at least half of OpenSSL's raw RSA-2048 verify/s.
struct BenchVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Challenge verifications/s per core, beside `openssl speed rsa2048` verify/s.",
        discussion: """
            Examples:
              mynagate bench verify
              mynagate bench verify --seconds 5 --responses 8000 --json
            """
    )

    @Option(help: "Seconds for `openssl speed`, and the most time spent verifying in each mode.")
    var seconds = 3

    @Option(help: "Signed responses prepared per mode (signing is not timed).")
    var responses = 4000

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard seconds >= 1 else { throw ValidationError("--seconds must be at least 1") }
        guard responses >= 10 else { throw ValidationError("--responses must be at least 10") }
    }

    struct Measurement { var count: Int; var seconds: Double; var rate: Double { Double(count) / seconds } }

    func run() async throws {
        let openssl = try Self.opensslVerifyRate(seconds: seconds)

        let hierarchy = try TestJPKIHierarchy.generate()
        // The PIN lives only in this process and is never printed.
        let pin = String(format: "%04d", Int.random(in: 0...9999))
        let state = try hierarchy.issueCard(holder: CardHolder.random(), authPIN: pin, signingPassword: "BENCH2024")
        let certificate = try Certificate(derEncoded: state.authCertificate)
        let validator = CardCertificateValidator(anchors: TrustAnchors([hierarchy.authCACertificate], purpose: .auth), purpose: .auth)
        let card = MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: state)))
        _ = try await card.jpki.verify(PIN(pin, kind: .jpkiAuth))

        let cached = try await measure(service: ChallengeService(validator: validator, lifetime: 3600), card: card, certificate: certificate)
        let uncached = try await measure(service: ChallengeService(validator: validator, lifetime: 3600, pathCacheSize: 0),
                                         card: card, certificate: certificate)
        let signatureOnly = try await measureSignatureOnly(card: card, certificate: certificate)
        let ratio = cached.rate / openssl
        let ratioUncached = uncached.rate / openssl
        if json {
            FileHandleOutput.standardOutput.write(String(format: """
                {"challengeVerificationsPerSecond":%.0f,"uncachedPerSecond":%.0f,"opensslRSA2048VerifyPerSecond":%.0f,\
                "ratio":%.3f,"ratioUncached":%.3f,"verified":%d,"goal":0.5,"signatureOnlyPerSecond":%.0f}

                """, cached.rate, uncached.rate, openssl, ratio, ratioUncached, cached.count, signatureOnly.rate))
        } else {
            FileHandleOutput.standardOutput.write(String(format: """
                challenge verification (ChallengeService.verify, 1 core), responses signed by a virtual card over APDUs
                  with path memory:    %8.0f /s  (%d in %.2f s)
                  without path memory: %8.0f /s  (%d in %.2f s)
                openssl speed -seconds %d rsa2048:  %8.0f verify/s
                ratio: %.2f with path memory, %.2f without (goal >= 0.5)
                the RSA check alone (Certificate.PublicKey.isValidSignature, swift-certificates over swift-crypto): %8.0f /s

                """, cached.rate, cached.count, cached.seconds, uncached.rate, uncached.count, uncached.seconds,
                seconds, openssl, ratio, ratioUncached, signatureOnly.rate))
        }
    }

    /// Prepares `responses` signed challenges, then verifies them one by one until done or `seconds` of
    /// verification have passed. Every verdict must be "accepted": a benchmark of refusals measures nothing.
    func measure(service: ChallengeService, card: MynaCard, certificate: Certificate) async throws -> Measurement {
        var prepared: [(Challenge, [UInt8])] = []
        prepared.reserveCapacity(responses)
        for i in 0..<responses {
            let challenge = try await service.issue(context: "bench-door-\(i % 16)")
            let signature = try await card.jpki.sign(sha256Digest: challenge.digest, with: .auth).value
            prepared.append((challenge, signature))
        }
        // One warm-up response (first path validation, lazy initialisation) outside the timing.
        let (warm, warmSignature) = prepared.removeFirst()
        guard await service.verify(challengeID: warm.id, signature: warmSignature, certificate: certificate, context: warm.context).isAccepted else {
            throw ValidationError("the warm-up response was refused")
        }
        let budget = UInt64(seconds) * 1_000_000_000
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var now = start
        for (challenge, signature) in prepared {
            let verdict = await service.verify(challengeID: challenge.id, signature: signature, certificate: certificate, context: challenge.context)
            guard verdict.isAccepted else { throw ValidationError("a response was refused: \(verdict)") }
            count += 1
            now = DispatchTime.now().uptimeNanoseconds
            if now - start >= budget { break }
        }
        return Measurement(count: count, seconds: Double(now - start) / 1e9)
    }

    /// The signature check alone, on one response, repeated: how much of a verification is the RSA
    /// operation through swift-certificates and swift-crypto, and how much is MynaGate's own work.
    func measureSignatureOnly(card: MynaCard, certificate: Certificate) async throws -> Measurement {
        let challenge = Challenge(id: UUID(), nonce: (0..<32).map { _ in UInt8.random(in: 0...255) }, context: "bench-door",
                                  issuedAt: Date(), expiresAt: Date().addingTimeInterval(60))
        let signature = try await card.jpki.sign(sha256Digest: challenge.digest, with: .auth).value
        let message = challenge.signedMessage
        let budget = UInt64(seconds) * 1_000_000_000
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var now = start
        while now - start < budget {
            for _ in 0..<100 {
                guard certificate.publicKey.isValidSignature(signature, for: message, signatureAlgorithm: .sha256WithRSAEncryption) else {
                    throw ValidationError("the signature did not verify")
                }
            }
            count += 100
            now = DispatchTime.now().uptimeNanoseconds
        }
        return Measurement(count: count, seconds: Double(now - start) / 1e9)
    }

    /// Runs `openssl speed -seconds N rsa2048` and reads verify/s from its summary line
    /// (`rsa 2048 bits 0.000690s 0.000020s   1449.3  49019.6`: the last number).
    static func opensslVerifyRate(seconds: Int) throws -> Double {
        let text = try spawnWithDefaultSignals("/usr/bin/openssl", ["speed", "-seconds", String(seconds), "rsa2048"])
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("rsa 2048 bits") }),
              let last = line.split(separator: " ").last, let rate = Double(last) else {
            throw ValidationError("cannot read verify/s from `openssl speed rsa2048`:\n\(text)")
        }
        return rate
    }

    /// Runs a program with an empty signal mask and SIGALRM at its default, and returns its standard
    /// output. `openssl speed -seconds` stops each test with SIGALRM; a child started from a Swift
    /// concurrency thread inherits that thread's blocked signals, and then never stops (observed:
    /// `openssl speed` still running after 10 minutes under Foundation's `Process`).
    static func spawnWithDefaultSignals(_ path: String, _ arguments: [String]) throws -> String {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGALRM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ValidationError("cannot make a pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw ValidationError("cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }
}
