import Foundation
import Synchronization
import Vapor

/// An open-loop HTTP load generator for `bench decisions`: request *i* is sent at `start + i / rate`
/// whatever happened to the earlier ones, so a slow server meets the same offered load (a closed loop
/// would slow down with it and hide queueing). Requests go through Vapor's client (AsyncHTTPClient) on
/// a pool of keep-alive HTTP/1.1 connections to 127.0.0.1 only.
struct LoadGenerator: Sendable {
    enum Route: Sendable, Hashable {
        case echo, decisions
        /// The key ``ServerTimings`` files this route's samples under.
        var serverPath: String { self == .echo ? "/bench/echo" : "decisions" }
    }

    /// What the client saw.
    struct Outcome: Sendable {
        var completed = 0
        var errors = 0
        var granted = 0
        var roundTrips: [UInt64] = []
        /// Seconds from the first send to the last answer.
        var elapsed: Double = 0
    }

    let client: any Client
    let base: String
    let organisation: BenchOrganisation

    func run(_ route: Route, rate: Int, seconds: Int) async -> Outcome {
        let total = rate * seconds
        guard total > 0 else { return Outcome() }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = Tally()
        await withDiscardingTaskGroup { group in
            var rng = SystemRandomNumberGenerator()
            for i in 0..<total {
                let due = start.advanced(by: .nanoseconds(Int64(i) * 1_000_000_000 / Int64(rate)))
                if due > clock.now { try? await clock.sleep(until: due) }
                let door = organisation.doors[Int.random(in: 0..<organisation.doors.count, using: &rng)]
                let serial = organisation.serials[Int.random(in: 0..<organisation.serials.count, using: &rng)]
                group.addTask {
                    let sent = clock.now
                    let (ok, granted) = await send(route, door: door, serial: serial)
                    let d = (clock.now - sent).components
                    let nanos = UInt64(d.seconds) * 1_000_000_000 + UInt64(d.attoseconds / 1_000_000_000)
                    outcome.value.withLock { o in
                        if ok { o.completed += 1; o.roundTrips.append(nanos) } else { o.errors += 1 }
                        if granted { o.granted += 1 }
                    }
                }
            }
        }
        let d = (clock.now - start).components
        return outcome.value.withLock { o in
            o.elapsed = Double(d.seconds) + Double(d.attoseconds) / 1e18
            return o
        }
    }

    /// One request; true when it got a 200 (and, for decisions, whether it was a grant).
    func send(_ route: Route, door: BenchOrganisation.Door, serial: String) async -> (Bool, Bool) {
        var headers = HTTPHeaders()
        headers.contentType = .json
        let path: String
        switch route {
        case .echo: path = "/bench/echo"
        case .decisions:
            path = "/api/v1/doors/\(door.id)/decisions"
            headers.bearerAuthorization = BearerAuthorization(token: door.token)
        }
        let body = ByteBuffer(string: #"{"serial":"\#(serial)"}"#)
        do {
            let res = try await client.post(URI(string: base + path), headers: headers) { $0.body = body }
            guard res.status == .ok else { return (false, false) }
            let granted = route == .decisions && (res.body.map { String(buffer: $0).contains(#""outcome":"grant""#) } ?? false)
            return (true, granted)
        } catch {
            return (false, false)
        }
    }
}

/// The client's tally, shared by the request tasks.
final class Tally: Sendable {
    let value = Mutex(LoadGenerator.Outcome())
}
