#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar on standard error for long work, drawn only when standard error is a terminal so
/// that scripts and logs get clean output.
final class ProgressBar {
    private let label: String
    private let totalBytes: Int?
    private let unit: String
    private var lastDraw: UInt64 = 0
    private var drawn = false

    /// `nil` unless standard error is a terminal.
    init?(label: String, totalBytes: Int?, unit: String = "lines") {
        guard isatty(2) == 1 else { return nil }
        self.label = label
        self.totalBytes = totalBytes
        self.unit = unit
    }

    /// A bar for work that reads standard input; knows the total when stdin is a regular file.
    static func forStandardInput(label: String) -> ProgressBar? {
        var st = stat()
        let total = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        return ProgressBar(label: label, totalBytes: total)
    }

    /// Redraws at most ten times a second.
    func update(processedBytes: Int, items: Int) {
        let now = Self.milliseconds()
        guard now - lastDraw >= 100 else { return }
        lastDraw = now
        drawn = true
        var line = "\r\(label) "
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(processedBytes) / Double(totalBytes))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(Int(fraction * 100))% "
        }
        line += "\(items) \(unit)"
        FileHandleOutput.standardError.write(line)
    }

    /// Clears the bar's line.
    func finish() {
        if drawn { FileHandleOutput.standardError.write("\r\u{1B}[K") }
    }

    private static func milliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
