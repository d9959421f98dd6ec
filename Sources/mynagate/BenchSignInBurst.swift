import Fluent
import Foundation
import Server
import ServerCore
import Vapor

/// Sign-ins for `bench decisions`: bursts of concurrent password sign-ins, half right and half wrong,
/// against the same server while door decisions are measured. bcrypt (cost 12) runs on its own thread
/// pool (`PasswordCheck`), so a burst should not move the decisions' latency; this shows whether it does.
///
/// Right and wrong passwords go to separate accounts (a wrong one locks its account, which still costs a
/// bcrypt check, see `PasswordCheck.spendTime`); the bench's server raises the per-client sign-in limits,
/// as every request comes from 127.0.0.1 and a refused sign-in would check no password at all. The
/// sign-ins use their own HTTP client, so they do not queue behind the decisions' connections.
struct BenchSignInBurst: Sendable {
    static let password = "bench sign-in password 1"
    let base: String
    let rightAccounts: [String]
    let wrongAccounts: [String]
    let concurrent: Int

    struct Tally: Sendable {
        var bursts = 0, signedIn = 0, refused = 0, errors = 0
    }

    /// Makes the accounts (real cost-12 hashes).
    static func seed(accounts: Int, on db: any Database) async throws -> (right: [String], wrong: [String]) {
        var right: [String] = [], wrong: [String] = []
        for i in 0..<accounts {
            let name = "bench-signin-\(i)"
            try await Accounts.create(username: name, password: password, role: .security, on: db)
            if i % 2 == 0 { right.append(name) } else { wrong.append(name) }
        }
        return (right, wrong)
    }

    /// Bursts of `concurrent` sign-ins, one after the other, until the task is cancelled.
    func run() async -> Tally {
        let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        var tally = Tally()
        while !Task.isCancelled {
            await withTaskGroup(of: UInt.self) { group in
                for i in 0..<concurrent {
                    let right = i % 2 == 0
                    let accounts = right ? rightAccounts : wrongAccounts
                    let username = accounts[(i / 2) % accounts.count]
                    group.addTask { await signIn(client, username: username, password: right ? Self.password : "wrong \(i)") }
                }
                for await status in group {
                    switch status {
                    case 200: tally.signedIn += 1
                    case 401: tally.refused += 1
                    default: tally.errors += 1
                    }
                }
            }
            tally.bursts += 1
        }
        do { try await client.shutdown() } catch { print("the sign-in client did not shut down cleanly: \(error)") }
        return tally
    }

    /// One sign-in; its HTTP status, or 0 when the request failed.
    private func signIn(_ client: HTTPClient, username: String, password: String) async -> UInt {
        do {
            let body = try JSONSerialization.data(withJSONObject: ["username": username, "password": password])
            let request = try HTTPClient.Request(url: base + "/api/v1/session", method: .POST,
                                                 headers: ["Content-Type": "application/json"], body: .data(body))
            return try await client.execute(request: request).get().status.code
        } catch {
            return 0
        }
    }
}
