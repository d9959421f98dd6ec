import ArgumentParser

/// `mynagate door …`: door controllers that decide offline from a signed snapshot (issue 6).
struct DoorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "door",
        abstract: "Register and run door controllers.",
        subcommands: [DoorRegisterCommand.self, DoorRunCommand.self]
    )
}
