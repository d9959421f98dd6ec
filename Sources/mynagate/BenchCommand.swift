import ArgumentParser

/// `mynagate bench …`: measurements side by side with a named peer; results go to docs/BENCHMARKS.md.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each run beside a named peer on the same machine.",
        subcommands: [BenchNumberCommand.self, BenchCRLCommand.self, BenchVerifyCommand.self, BenchDecisionsCommand.self, BenchDoorCommand.self, BenchAttendanceCommand.self, BenchMusterCommand.self, BenchEmployeesCommand.self, BenchPeopleImportCommand.self]
    )
}
