import ArgumentParser
import Foundation
import MyNumber

/// `mynagate bench number`: the streaming checker's throughput, beside `wc -l` on the same file.
///
/// `wc -l` is the peer because it is the floor for any line-oriented tool: it reads the same bytes
/// and finds the same newlines but checks nothing. The goal (issue 2) is at least 1 million lines a
/// second through the real `number check` code path.
struct BenchNumberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number",
        abstract: "Throughput of `number check` on standard input, beside `wc -l` on the same file."
    )

    @Option(help: "Lines to generate (a mix of valid, invalid, hyphenated and full-width numbers).")
    var lines = 5_000_000

    @Option(help: "Runs of each side; the best is reported.")
    var runs = 3

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-numbers-\(getpid()).txt").path
        defer { unlink(path) }
        try BenchData.writeNumberLines(count: lines, to: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        var best = Double.infinity
        var counted = NumberStream.Summary()
        for _ in 0..<max(1, runs) {
            let input = open(path, O_RDONLY)
            let output = open("/dev/null", O_WRONLY)
            guard input >= 0, output >= 0 else { throw ValidationError("cannot open the benchmark file") }
            let t0 = DispatchTime.now().uptimeNanoseconds
            counted = try NumberStream.check(input: input, output: output, kind: nil, json: false, invalidOnly: false, skipHeader: false)
            let t1 = DispatchTime.now().uptimeNanoseconds
            close(input); close(output)
            best = min(best, Double(t1 - t0) / 1e9)
        }
        var peer = Double.infinity
        for _ in 0..<max(1, runs) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["wc", "-l", path]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            peer = min(peer, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let maxRSSMiB = Double(usage.ru_maxrss) / 1024
        let rate = Double(counted.lines) / best
        if json {
            print("""
                {"lines":\(counted.lines),"valid":\(counted.valid),"invalid":\(counted.invalid),"bytes":\(size),\
                "seconds":\(best),"linesPerSecond":\(Int(rate)),"wcSeconds":\(peer),\
                "ratioToWc":\(best / peer),"maxRSSMiB":\(maxRSSMiB)}
                """)
        } else {
            print("number check: \(counted.lines) lines (\(size / 1_000_000) MB) in \(fmt(best)) s = \(Int(rate)) lines/s")
            print("wc -l      : same file in \(fmt(peer)) s (process start included)")
            print("ratio      : \(fmt(best / peer))× the time of wc -l; peak memory \(fmt(maxRSSMiB)) MiB")
            print("goal ≥ 1,000,000 lines/s: \(rate >= 1_000_000 ? "met" : "NOT met")")
        }
    }

    private func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
}

/// Generated inputs for benchmarks. Numbers are made with the real check-digit function, so the
/// valid ones are valid; none is a real person's (they are random).
enum BenchData {
    static func writeNumberLines(count: Int, to path: String) throws {
        guard let f = fopen(path, "w") else { throw ValidationError("cannot write \(path)") }
        defer { fclose(f) }
        var rng = SystemRandomNumberGenerator()
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        for i in 0..<count {
            var first11 = ""
            for _ in 0..<11 { first11.append(Character(String(Int.random(in: 0...9, using: &rng)))) }
            let cd = (try? IndividualNumber.checkDigit(forFirst11: first11)) ?? 0
            switch i % 10 {
            case 0: buffer += first11 + String((cd + 1) % 10)  // check digit wrong
            case 1: buffer += String(first11.prefix(4)) + "-" + String(first11.dropFirst(4).prefix(4)) + "-" + String(first11.suffix(3)) + String(cd)
            case 2: buffer += fullWidth(first11 + String(cd))
            case 3: buffer += "7123456789012"  // corporate (published vector)
            default: buffer += first11 + String(cd)
            }
            buffer += "\n"
            if buffer.utf8.count > (1 << 20) - 64 {
                fputs(buffer, f)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        fputs(buffer, f)
    }

    static func fullWidth(_ digits: String) -> String {
        String(String.UnicodeScalarView(digits.unicodeScalars.map { Unicode.Scalar($0.value - 0x30 + 0xFF10)! }))
    }
}
