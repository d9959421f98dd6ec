import Foundation
import Testing

/// Runs the built `mynagate` executable as a process, as a user or a script would.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["MYNAGATE_BIN"] { return URL(fileURLWithPath: path) }
        // The test bundle lives in the same products directory as the executable.
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("mynagate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mynagate")
    }

    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        // Write stdin on another thread so a large input cannot deadlock against a full stdout pipe.
        let writer = Thread {
            if let stdin { inp.fileHandleForWriting.write(stdin) }
            try? inp.fileHandleForWriting.close()
        }
        writer.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite("mynagate number (as a process)")
struct NumberCLITests {
    @Test func validAndInvalidExitCodes() throws {
        let ok = try CLI.run(["number", "check", "1234-5678-9018"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("valid individual"))
        #expect(!ok.stdout.contains("9018"))
        let bad = try CLI.run(["number", "check", "123456789010"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("check digit"))
        #expect(!bad.stdout.contains("123456789010"))
        let corp = try CLI.run(["number", "check", "7123456789012"])
        #expect(corp.status == 0)
        #expect(corp.stdout.contains("corporate"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["number", "check", "--kind", "nonsense", "1"]).status == 2)
        #expect(try CLI.run(["number", "check", "--no-such-flag"]).status == 2)
        #expect(try CLI.run(["number", "checkdigit", "123"]).status == 2)
    }

    @Test func jsonForOneNumber() throws {
        let r = try CLI.run(["number", "check", "--json", "--kind", "individual", "７１２３４５６７８９０１２"])
        #expect(r.status == 1)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["valid"] as? Bool == false)
        #expect(obj?["reason"] as? String == "wrong_length")
    }

    @Test("stdin: one verdict a line, mixed valid and invalid, never the number")
    func streaming() throws {
        let input = "123456789018\n123456789010\n\n7123456789012\r\n6214-9832-0257\nabc\n12345"
        let r = try CLI.run(["number", "check", "--json"], stdin: Data(input.utf8))
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 7)
        #expect(lines.map { $0?["valid"] as? Bool } == [true, false, false, true, true, false, false])
        #expect(lines.map { $0?["line"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
        #expect(lines[5]?["position"] as? Int == 1)
        for digits in ["123456789018", "123456789010", "621498320257", "7123456789012"] {
            #expect(!r.stdout.contains(digits))
            #expect(!r.stderr.contains(digits))
        }
        #expect(r.stderr.contains("checked 7 lines: 3 valid, 4 invalid"))
    }

    @Test("stdin: --invalid-only and --skip-header for a CSV column; all valid exits 0")
    func csvColumn() throws {
        let r = try CLI.run(["number", "check", "--invalid-only", "--skip-header"], stdin: Data("個人番号\n123456789018\n123456789010\n".utf8))
        #expect(r.status == 1)
        #expect(r.stdout == "line 3: invalid individual number: check digit does not match\n")
        let clean = try CLI.run(["number", "check", "--skip-header"], stdin: Data("番号\n123456789018\n".utf8))
        #expect(clean.status == 0)
    }

    @Test("stdin: a large input streams through and an overlong line is reported, not buffered")
    func largeInput() throws {
        var input = String(repeating: "123456789018\n", count: 200_000)
        input += String(repeating: "9", count: 100_000) + "\n123456789018\n"
        let r = try CLI.run(["number", "check", "--invalid-only", "--json"], stdin: Data(input.utf8))
        #expect(r.status == 1)
        #expect(r.stdout.contains("\"line\":200001"))
        #expect(r.stdout.contains("too_long"))
        #expect(r.stderr.contains("checked 200002 lines: 200001 valid, 1 invalid"))
    }

    @Test func checkdigitCommand() throws {
        let r = try CLI.run(["number", "checkdigit", "12345678901"])
        #expect(r.status == 0)
        #expect(r.stdout == "8\n")
    }

    @Test func versionAndHelp() throws {
        let v = try CLI.run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout.contains("0.1.0"))
        for args in [["--help"], ["number", "--help"], ["number", "check", "--help"], ["bench", "number", "--help"]] {
            let h = try CLI.run(args)
            #expect(h.status == 0, "\(args)")
            #expect(h.stdout.contains("USAGE"), "\(args)")
        }
    }
}
