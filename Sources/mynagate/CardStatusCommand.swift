import ArgumentParser
import MynaCard
import SmartCard

/// `mynagate card status`: what the card has and the tries left for each PIN. Spends no try.
struct CardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Applications on the card and the tries left for each PIN (spends no try)."
    )

    @OptionGroup var card: CardOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingCardErrors {
            let c = try await card.open()
            let apps = try await c.applications()
            var tries: [(String, PINKind, Int?)] = []
            var token: String?
            var usage = apps.usage
            if apps.value.contains(.jpki) {
                let t = try await c.jpki.token()
                token = t.value
                let a = try await c.jpki.triesLeft(.auth)
                let s = try await c.jpki.triesLeft(.signing)
                tries += [("authPIN", .jpkiAuth, a.value), ("signingPassword", .jpkiSigning, s.value)]
                for u in [t.usage, a.usage, s.usage] { usage = usage + u }
            }
            if apps.value.contains(.text) {
                let t = try await c.text.triesLeft()
                tries.append(("textPIN", .text, t.value))
                usage = usage + t.usage
            }
            if apps.value.contains(.visual) {
                let v = try await c.visual.triesLeft()
                tries.append(("visualPINB", .visualB, v.value))
                usage = usage + v.usage
            }
            if json {
                let triesJSON = tries.map { "\"\($0.0)\":\($0.2.map(String.init) ?? "null")" }.joined(separator: ",")
                let appsJSON = apps.value.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
                print("{\"applications\":[\(appsJSON)],\"token\":\(token.map { "\"\($0)\"" } ?? "null"),\"triesLeft\":{\(triesJSON)},\"apdus\":\(usage.apdus)}")
            } else {
                print("applications: " + apps.value.map { "\($0.rawValue) (\($0.japaneseName))" }.joined(separator: ", "))
                if let token { print("token: \(token)\(token == "JPKIAPICCTOKEN2" ? " (My Number card)" : "")") }
                for (name, kind, n) in tries {
                    let left = n.map { $0 == 0 ? "BLOCKED" : "\($0) of \(kind.maximumTries) tries left" } ?? "unknown"
                    print("\(name): \(left)")
                }
                print("(\(usage))")
            }
        }
    }
}

