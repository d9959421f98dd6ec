import ArgumentParser
import Foundation
import MynaCardSim
import Trust

/// `mynagate bench crl`: CRL import and revocation lookups beside `openssl crl` on the same files.
///
/// OpenSSL's `crl -noout -inform DER` is the peer named by issue 4: it parses every entry of the same
/// file (and, with `-CAfile`, verifies the signature). MynaGate's import does more than either: it
/// verifies the signature, builds the sorted index and writes it to disk.
struct BenchCRLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "CRL import time beside `openssl crl -noout`, index memory per entry, lookups per second."
    )

    @Option(help: "Entries in the generated CRL.")
    var entries = 1_000_000

    @Flag(name: .customLong("also-10m"), help: "Also run with 10,000,000 entries.")
    var also10m = false

    @Option(help: "Runs of each timed step; the best is reported.")
    var runs = 3

    @Option(help: "Lookups per kind (present, absent).")
    var lookups = 1_000_000

    @Flag(help: "Print JSON.")
    var json = false

    struct Result: Codable {
        var entries: Int
        var crlBytes: Int
        var generateSeconds: Double
        var importSeconds: Double
        var opensslParseSeconds: Double
        var opensslVerifySeconds: Double
        var importToOpenSSLParse: Double
        var indexBytes: Int
        var indexBytesPerEntry: Double
        var indexLoadMilliseconds: Double
        var lookupPresentNanoseconds: Double
        var lookupAbsentNanoseconds: Double
        var lookupsPerSecond: Double
        var peakRSSMiB: Double
    }

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-crl-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hierarchy = try TestJPKIHierarchy.generate()
        try hierarchy.save(to: dir)
        let signer = try CRLSigner(pemRepresentation: String(contentsOf: dir.appendingPathComponent(TestJPKIHierarchy.FileName.authCAKey), encoding: .utf8))
        let caPath = dir.appendingPathComponent(TestJPKIHierarchy.FileName.authCA).path
        var results: [Result] = []
        for n in also10m && entries != 10_000_000 ? [entries, 10_000_000] : [entries] {
            results.append(try bench(n: n, dir: dir, hierarchy: hierarchy, signer: signer, caPath: caPath))
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(results), as: UTF8.self))
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    func best(_ body: () throws -> Void) rethrows -> Double {
        var b = Double.infinity
        for _ in 0..<max(1, runs) { b = min(b, try Self.seconds(body)) }
        return b
    }

    static func openssl(_ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    func bench(n: Int, dir: URL, hierarchy: TestJPKIHierarchy, signer: CRLSigner, caPath: String) throws -> Result {
        let log: (String) -> Void = { if !json { print($0) } }
        let crlPath = dir.appendingPathComponent("bench-\(n).crl").path
        let indexPath = dir.appendingPathComponent("bench-\(n).mgidx").path
        let now = Date()
        let synthetic = SyntheticRevocations(count: n, seed: 2024, latest: now)
        let builder = CRLBuilder(issuer: hierarchy.authCACertificate, signer: signer, thisUpdate: now,
                                 nextUpdate: now.addingTimeInterval(86_400), crlNumber: CRLNumber(1))
        var size = 0
        let generate = try Self.seconds { size = try builder.write(entries: synthetic, to: crlPath) }
        log("CRL with \(n) entries: \(size) bytes (\(String(format: "%.1f", Double(size) / Double(n))) bytes/entry), written in \(fmt(generate)) s")

        // Warm the page cache for both sides, then alternate.
        _ = try Self.openssl(["crl", "-noout", "-in", crlPath, "-inform", "DER"])
        let key = try CRLIssuerKey(certificate: hierarchy.authCACertificate)
        var index: RevocationIndex?
        let importTime = try best {
            let built = try RevocationIndex.build(from: CRLReader(path: crlPath), issuer: key)
            try built.write(to: indexPath)
            index = built
        }
        var status: Int32 = 0
        let opensslParse = try best { status = try Self.openssl(["crl", "-noout", "-in", crlPath, "-inform", "DER"]) }
        guard status == 0 else { throw ValidationError("openssl crl failed on \(crlPath)") }
        let opensslVerify = try best { status = try Self.openssl(["crl", "-noout", "-in", crlPath, "-inform", "DER", "-CAfile", caPath]) }
        guard status == 0 else { throw ValidationError("openssl crl -CAfile did not verify \(crlPath)") }
        guard index != nil else { throw ValidationError("no index") }
        index = nil

        var loaded: RevocationIndex?
        let load = try best { loaded = try RevocationIndex.load(path: indexPath) }
        guard let idx = loaded else { throw ValidationError("no index") }
        guard idx.count == n else { throw ValidationError("index has \(idx.count) entries, expected \(n)") }

        // Lookups: serials prepared in advance (random present ones, and absent ones from another seed).
        var rng = SystemRandomNumberGenerator()
        let sample = min(lookups, 200_000)
        let present = (0..<sample).map { _ in synthetic[Int.random(in: 0..<n, using: &rng)].serial }
        let absent = SyntheticRevocations(count: sample, seed: 999_999, latest: now).map(\.serial).filter { idx.lookup(serial: $0) == nil }
        /// Times the lookups and checks their answers: a lookup that is fast because it finds nothing
        /// (or everything) would be a broken index timed as a quick one.
        func timeLookups(_ serials: [[UInt8]], expectFound: Bool) throws -> Double {
            var found = 0
            let rounds = max(1, lookups / max(1, serials.count))
            let t = Self.seconds {
                for _ in 0..<rounds {
                    for s in serials { s.withUnsafeBytes { if idx.lookup(serialBytes: $0) != nil { found += 1 } } }
                }
            }
            let expected = expectFound ? rounds * serials.count : 0
            guard found == expected else {
                throw ValidationError("lookups found \(found) of \(rounds * serials.count) \(expectFound ? "present" : "absent") serials, expected \(expected)")
            }
            return t * 1e9 / Double(rounds * serials.count)
        }
        let presentNs = try timeLookups(present, expectFound: true)
        let absentNs = try timeLookups(absent, expectFound: false)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let r = Result(
            entries: n, crlBytes: size, generateSeconds: generate, importSeconds: importTime,
            opensslParseSeconds: opensslParse, opensslVerifySeconds: opensslVerify,
            importToOpenSSLParse: importTime / opensslParse, indexBytes: idx.byteCount,
            indexBytesPerEntry: Double(idx.byteCount) / Double(n), indexLoadMilliseconds: load * 1000,
            lookupPresentNanoseconds: presentNs, lookupAbsentNanoseconds: absentNs,
            lookupsPerSecond: 2e9 / (presentNs + absentNs), peakRSSMiB: Double(usage.ru_maxrss) / 1024)
        log("import (verify + index + write) : \(fmt(r.importSeconds)) s  (best of \(runs))")
        log("openssl crl -noout              : \(fmt(r.opensslParseSeconds)) s  (process included)")
        log("openssl crl -noout -CAfile      : \(fmt(r.opensslVerifySeconds)) s  (parse + verify)")
        log("import / openssl parse          : \(fmt(r.importToOpenSSLParse))×  — goal ≤ 1: \(r.importToOpenSSLParse <= 1 ? "met" : "NOT met")")
        log("index                           : \(r.indexBytes) bytes = \(String(format: "%.2f", r.indexBytesPerEntry)) bytes/entry — goal ≤ 24: \(r.indexBytesPerEntry <= 24 ? "met" : "NOT met")")
        log("index load (read + checksums)   : \(String(format: "%.1f", r.indexLoadMilliseconds)) ms")
        log("lookup present / absent         : \(String(format: "%.0f", presentNs)) ns / \(String(format: "%.0f", absentNs)) ns — goal ≤ 1000 ns: \(max(presentNs, absentNs) <= 1000 ? "met" : "NOT met")")
        log("lookups per second              : \(Int(r.lookupsPerSecond))")
        log("peak RSS (whole run so far)     : \(String(format: "%.1f", r.peakRSSMiB)) MiB")
        log("")
        try? FileManager.default.removeItem(atPath: crlPath)
        try? FileManager.default.removeItem(atPath: indexPath)
        return r
    }

    private func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
}
