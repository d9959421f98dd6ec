import Foundation
import Testing
@testable import Trust

/// Truncated and corrupted CRLs end in errors, never crashes.
@Suite struct CRLRobustnessTests {
    static let sample: [UInt8] = {
        try! CRLFixture.builder(number: 3).der(entries: CRLParsingTests.tricky + Array(SyntheticRevocations(count: 40, seed: 9, latest: CRLFixture.now)))
    }()

    /// Parses and walks `bytes` fully; returns the error, or nil when it was accepted.
    static func outcome(_ bytes: [UInt8]) -> (any Error)? {
        do {
            let reader = try CRLReader(bytes: bytes)
            try reader.forEachEntry(verifyingWith: CRLFixture.issuerKey) { _ in }
            return nil
        } catch { return error }
    }

    @Test func everyTruncationIsAnError() {
        let bytes = Self.sample
        for length in 0..<bytes.count {
            let error = Self.outcome(Array(bytes.prefix(length)))
            #expect(error is CRLError, "prefix of \(length) bytes")
        }
    }

    @Test func randomCorruptionNeverCrashesAndNeverVerifies() {
        var rng = SystemRandomNumberGenerator()
        let bytes = Self.sample
        for _ in 0..<3000 {
            var b = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if b == bytes { continue }
            // Any change is either a parse error or a bad signature: nothing altered is accepted.
            #expect(Self.outcome(b) != nil)
        }
    }

    @Test func randomGarbageIsAnError() {
        var rng = SystemRandomNumberGenerator()
        for n in 0..<500 {
            var b = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if n % 2 == 0, !b.isEmpty { b[0] = 0x30 }
            #expect(Self.outcome(b) is CRLError)
        }
    }

    @Test func hostileLengthsAreErrors() {
        // Lengths that point past the end, indefinite length, non-minimal length, huge length.
        for bytes: [UInt8] in [[0x30, 0x80, 0x00, 0x00], [0x30, 0x81, 0x05, 0x00], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
                               [0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0x30, 0x00], [0x31, 0x00], [0x30, 0x02, 0x30, 0x00]] {
            #expect(Self.outcome(bytes) is CRLError)
        }
    }

    @Test func emptyAndMissingFilesAreErrors() {
        let empty = CRLFixture.write([], "empty.bin")
        #expect(throws: CRLError.self) { try CRLReader(path: empty) }
        #expect(throws: CRLError.self) { try CRLReader(path: "/nonexistent/crl.der") }
        let badPEM = CRLFixture.write(Array("-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n".utf8), "bad.pem")
        #expect(throws: CRLError.self) { try CRLReader(path: badPEM) }
    }
}
