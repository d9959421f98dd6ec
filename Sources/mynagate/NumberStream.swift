import MyNumber
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The streaming checker behind `mynagate number check` with no argument.
///
/// Reads fixed-size blocks and checks each line in place, so memory stays constant however long the
/// input is (a line longer than the block is reported as invalid without being held whole). Output is
/// batched into one buffer per block: at a million lines a second, a write per line would dominate.
enum NumberStream {
    struct Summary: Equatable {
        var lines = 0
        var valid = 0
        var invalid = 0
    }

    static let blockSize = 1 << 16
    /// A line longer than this cannot be a number however it is spaced; it is reported, not buffered.
    static let maxLine = 4096

    static func check(
        input: Int32, output: Int32, kind: NumberKind?, json: Bool, invalidOnly: Bool, skipHeader: Bool,
        progress: ProgressBar? = nil
    ) throws -> Summary {
        var summary = Summary()
        var out: [UInt8] = []
        out.reserveCapacity(blockSize * 2)
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: blockSize + maxLine)
        defer { block.deallocate() }
        var carried = 0  // bytes of an unfinished line kept at the start of `block`
        var overlong = false  // the current line already exceeded maxLine
        var lineNumber = 0
        var bytesRead = 0

        func emit(_ result: NumberCheck) {
            lineNumber += 1
            if skipHeader && lineNumber == 1 { return }
            summary.lines += 1
            if result.isValid { summary.valid += 1 } else { summary.invalid += 1 }
            if invalidOnly && result.isValid { return }
            let text = json ? NumberReport.json(result, line: lineNumber) : NumberReport.text(result, line: lineNumber)
            out.append(contentsOf: text.utf8)
            out.append(0x0A)
        }

        func checkLine(_ start: UnsafeMutablePointer<UInt8>, _ count: Int) {
            var n = count
            if n > 0 && start[n - 1] == 0x0D { n -= 1 }  // CRLF from Windows/Excel
            emit(NumberCheck.check(UnsafeBufferPointer(start: start, count: n), kind: kind))
        }

        while true {
            let n = read(input, block + carried, blockSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw NumberStreamError.readFailed(errno)
            }
            bytesRead += n
            let end = carried + n
            var lineStart = 0
            var i = carried
            while i < end {
                if block[i] == 0x0A {
                    if overlong {
                        emit(NumberCheck(kind: kind, error: .tooLong))
                        overlong = false
                    } else {
                        checkLine(block + lineStart, i - lineStart)
                    }
                    lineStart = i + 1
                }
                i += 1
            }
            if n == 0 {
                if overlong {
                    emit(NumberCheck(kind: kind, error: .tooLong))
                } else if end > lineStart {
                    checkLine(block + lineStart, end - lineStart)
                }
                try flush(&out, to: output)
                progress?.finish()
                return summary
            }
            carried = end - lineStart
            if carried > maxLine {
                overlong = true
                carried = 0
            } else if carried > 0 && lineStart > 0 {
                (block).update(from: block + lineStart, count: carried)
            }
            if out.count >= blockSize { try flush(&out, to: output) }
            progress?.update(processedBytes: bytesRead, items: summary.lines)
        }
    }

    static func flush(_ out: inout [UInt8], to fd: Int32) throws {
        try out.withUnsafeBufferPointer { buf in
            var off = 0
            while off < buf.count {
                let w = write(fd, buf.baseAddress! + off, buf.count - off)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw NumberStreamError.writeFailed(errno)
                }
                off += w
            }
        }
        out.removeAll(keepingCapacity: true)
    }
}

enum NumberStreamError: Error, CustomStringConvertible {
    case readFailed(Int32), writeFailed(Int32)
    var description: String {
        switch self {
        case .readFailed(let e): return "cannot read standard input (errno \(e))"
        case .writeFailed(let e): return "cannot write output (errno \(e))"
        }
    }
}

