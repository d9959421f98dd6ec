// libFuzzer target: the APDU trace file parser (Sources/SmartCard/APDUTraceFile.swift) on arbitrary
// text, as a third party would contribute a trace. Invariants, beyond "no crash, no unbounded allocation":
// - an accepted file shows no PIN: a PIN instruction's command is its 4 header bytes, alone or with
//   `[PIN redacted]`, and no visible bytes hold 12 ASCII digits in a row;
// - every `[n bytes redacted]` is 1...65 538 (a replay allocates n bytes) and every timing finite;
// - the file's own text (header values made one line) parses back to the same exchanges, and writing
//   that again gives the same text.
import FuzzSupport
import SmartCard

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzAPDUTraceFile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let text = String(decoding: bytes, as: UTF8.self)
    guard let file = try? APDUTraceFile(parsing: text) else { return 0 }

    var entries = file.exchanges.flatMap { [$0.command, $0.response] }
    if let unanswered = file.unanswered { entries.append(unanswered) }
    for entry in entries {
        for segment in entry.segments {
            switch segment {
            case .bytes(let b):
                guard !APDUTraceEntry.hasDigitRun(b) else { fatalError("an accepted trace shows 12 digits in a row") }
            case .redacted(let n):
                guard (1...APDUTraceFile.maxRedactedLength).contains(n) else { fatalError("a marker beyond the bound") }
            case .pin:
                break
            }
        }
        if entry.direction == .command, case .bytes(let head)? = entry.segments.first,
           head.count >= 2, APDUTraceEntry.pinINS.contains(head[1]) {
            guard head.count == 4, entry.segments.count == 1 || entry.segments.last == .pin else {
                fatalError("an accepted trace shows a PIN command's data or its length")
            }
        }
        if let elapsed = entry.elapsed, elapsed < .zero || elapsed > .seconds(86_400) {
            fatalError("a timing out of range")
        }
    }

    let written = file.text
    guard let back = try? APDUTraceFile(parsing: written) else { fatalError("a parsed file's own text does not parse") }
    // Line numbers may differ (notes and blank lines are not written back); the exchanges may not.
    guard back.exchanges.map(\.command) == file.exchanges.map(\.command),
          back.exchanges.map(\.response) == file.exchanges.map(\.response), back.unanswered == file.unanswered else {
        fatalError("a parsed file's own text reads back to other exchanges")
    }
    guard back.text == written else { fatalError("writing a file twice changes it") }
    return 0
}
