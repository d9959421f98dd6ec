import ArgumentParser
import Trust
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one command-line entry point: `mynagate <group> <command>`.
struct MynaGateCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mynagate",
        abstract: "MynaGate: run a workplace on the My Number card (マイナンバーカード).",
        discussion: """
            Employee ID and door access with the card's JPKI certificate, My Number collection into an \
            encrypted vault, attendance from door events, and bulk card applications.
            Documentation: README.md and docs/ in the source tree.
            """,
        version: version,
        subcommands: [ServeCommand.self, SetupCommand.self, DemoCommand.self, NumberCommand.self, CardCommand.self, VCardCommand.self, TrustCommand.self, PKICommand.self, AuditCommand.self, UserCommand.self, BenchCommand.self, DoorCommand.self, VaultCommand.self, AttendanceCommand.self, ImportCommand.self]
    )
}

/// Runs the command tree with the exit codes scripts expect: 0 success, 1 a negative result
/// (an invalid number, a failed check), 2 a usage error. ArgumentParser's own default for usage
/// errors is 64 (EX_USAGE); 2 is what shell tools conventionally use and what the docs promise.
@main
enum MynaGateMain {
    static func main() async {
        do {
            var command = try MynaGateCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = MynaGateCommand.exitCode(for: error)
            if code == .validationFailure {
                let message = MynaGateCommand.fullMessage(for: error)
                FileHandleOutput.standardError.write(message + "\n")
                exit(2)
            }
            MynaGateCommand.exit(withError: error)
        }
    }
}

/// Minimal unbuffered writes to the standard streams without Foundation's FileHandle.
enum FileHandleOutput {
    case standardOutput, standardError

    func write(_ text: String) {
        var t = text
        t.withUTF8 { buf in
            var off = 0
            let fd: Int32 = self == .standardOutput ? 1 : 2
            while off < buf.count {
                let n = posixWrite(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return }
                off += n
            }
        }
    }
}
