import ArgumentParser
import MyNumber

/// `mynagate number …`: check individual (個人番号) and corporate (法人番号) numbers.
struct NumberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number",
        abstract: "Check My Numbers (個人番号) and corporate numbers (法人番号) without showing them.",
        subcommands: [NumberCheckCommand.self, NumberCheckDigitCommand.self]
    )
}

extension NumberKind: ExpressibleByArgument {}

/// `mynagate number check [NUMBER]`.
struct NumberCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a number, or one number a line from standard input.",
        discussion: """
            The kind is detected from the digit count (12 individual, 13 corporate) unless --kind is given. \
            Spaces, hyphens and full-width digits are accepted. The number itself is never printed: \
            reports give the line number, valid or invalid, and the reason.

            Exit status: 0 all valid, 1 at least one invalid, 2 usage error.

            Examples:
              mynagate number check 1234-5678-9018
              cut -d, -f3 employees.csv | mynagate number check --json --invalid-only
            """
    )

    @Argument(help: "The number to check. Omit it to read one number a line from standard input.")
    var number: String?

    @Option(help: "Force the kind instead of detecting it: individual or corporate.")
    var kind: NumberKind?

    @Flag(help: "Print JSON (one object; with standard input, one object a line).")
    var json = false

    @Flag(help: "With standard input, report only the invalid lines.")
    var invalidOnly = false

    @Flag(help: "With standard input, skip the first line (a CSV header).")
    var skipHeader = false

    func run() throws {
        if let number {
            let result = NumberCheck.check(number, kind: kind)
            let out = json ? NumberReport.json(result, line: nil) : NumberReport.text(result, line: nil)
            FileHandleOutput.standardOutput.write(out + "\n")
            if !result.isValid { throw ExitCode(1) }
            return
        }
        let summary = try NumberStream.check(
            input: 0, output: 1, kind: kind, json: json, invalidOnly: invalidOnly, skipHeader: skipHeader,
            progress: ProgressBar.forStandardInput(label: "checking")
        )
        FileHandleOutput.standardError.write(
            "checked \(summary.lines) lines: \(summary.valid) valid, \(summary.invalid) invalid\n")
        if summary.invalid > 0 { throw ExitCode(1) }
    }
}

/// `mynagate number checkdigit ELEVEN_DIGITS`.
struct NumberCheckDigitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkdigit",
        abstract: "Print the check digit for the first 11 digits of an individual number.",
        discussion: "For making test data. 総務省令第85号 第5条: weights 6,5,4,3,2,7,6,5,4,3,2; r = sum mod 11; 0 if r ≤ 1 else 11 − r."
    )

    @Argument(help: "The first 11 digits.")
    var digits: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        do {
            let d = try IndividualNumber.checkDigit(forFirst11: digits)
            FileHandleOutput.standardOutput.write(json ? "{\"checkDigit\":\(d)}\n" : "\(d)\n")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// How one verdict is printed. Only fixed strings and integers: never the number.
enum NumberReport {
    static func text(_ r: NumberCheck, line: Int?) -> String {
        var s = line.map { "line \($0): " } ?? ""
        if let e = r.error {
            s += "invalid"
            if let k = r.kind { s += " \(k.rawValue) number" }
            s += ": \(e.message)"
        } else {
            s += "valid \(r.kind?.rawValue ?? "") number"
        }
        return s
    }

    static func json(_ r: NumberCheck, line: Int?) -> String {
        var s = "{"
        if let line { s += "\"line\":\(line)," }
        s += "\"valid\":\(r.isValid)"
        s += ",\"kind\":" + (r.kind.map { "\"\($0.rawValue)\"" } ?? "null")
        if let e = r.error {
            s += ",\"reason\":\"\(e.code)\",\"message\":\"\(e.message)\""
            if case .nonDigit(let p) = e { s += ",\"position\":\(p)" }
        }
        return s + "}"
    }
}
