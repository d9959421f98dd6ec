import Foundation
import Synchronization
import Vapor

/// A fixed-window request counter per client and for everyone together, for the sign-in routes.
///
/// In memory and per server: with several servers behind a balancer each allows its own share, so the
/// effective limit is the configured one times the number of servers. That is acceptable because these
/// limits only slow a guesser down; the per-account and per-code counts that actually stop guessing are
/// in the database and shared (``SignInAttempts``).
final class RateLimiter: Sendable {
    private struct Window {
        var start: Date
        var count: Int
    }
    private struct State {
        var clients: [String: Window] = [:]
        var global = Window(start: .distantPast, count: 0)
    }

    let perClient: Int
    package let global: Int
    package let window: TimeInterval
    /// At most this many client windows are kept; past it, expired ones are dropped, and if the table is
    /// still full the new client shares one overflow window (so an attacker with many addresses cannot
    /// grow memory without bound, and still meets the global limit).
    let maxClients: Int
    private let state = Mutex(State())

    package init(perClient: Int, global: Int, window: TimeInterval = 60, maxClients: Int = 20_000) {
        self.perClient = max(1, perClient)
        self.global = max(1, global)
        self.window = window
        self.maxClients = maxClients
    }

    /// Counts one request from `client`; `nil` if it may proceed, otherwise the seconds to wait.
    func admit(_ client: String, now: Date = Date()) -> Int? {
        state.withLock { s in
            if now.timeIntervalSince(s.global.start) >= window { s.global = Window(start: now, count: 0) }
            var key = client
            if s.clients[key] == nil, s.clients.count >= maxClients {
                s.clients = s.clients.filter { now.timeIntervalSince($0.value.start) < window }
                if s.clients.count >= maxClients { key = "overflow" }
            }
            var w = s.clients[key] ?? Window(start: now, count: 0)
            if now.timeIntervalSince(w.start) >= window { w = Window(start: now, count: 0) }
            let clientFull = w.count >= perClient, globalFull = s.global.count >= global
            if clientFull || globalFull {
                let end = clientFull ? w.start : s.global.start
                return max(1, Int((window - now.timeIntervalSince(end)).rounded(.up)))
            }
            w.count += 1
            s.clients[key] = w
            s.global.count += 1
            return nil
        }
    }

    /// Throws 429 with `Retry-After` when `req`'s client (or everyone) is over the limit.
    package func check(_ req: Request, reason: String = "too many sign-in attempts; wait and try again") throws {
        if let wait = admit(req.clientAddress) {
            req.logger.warning("sign-in rate limit reached", metadata: ["client": .string(req.clientAddress), "path": .string(req.loggedPath)])
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: reason)
        }
    }
}

/// Applies one of this server's sign-in limiters to the routes registered through it.
struct RateLimitMiddleware: AsyncMiddleware {
    package let family: SignInLimits.Family

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try request.application.signInLimits[family].check(request)
        return try await next.respond(to: request)
    }
}

/// The sign-in limiters of this server, one per family of routes so that one cannot starve another
/// (a flood of card challenges does not block the lost-card page).
struct SignInLimits: Sendable {
    /// `POST /api/v1/session` and `POST /login`.
    package let password: RateLimiter
    /// `POST /api/v1/session/card/challenge` and `POST /api/v1/session/card`.
    package let card: RateLimiter
    /// The lost-card routes, API and page.
    let lostCard: RateLimiter
    /// `POST /setup` (first run): its own budget, so a flood of setup attempts cannot starve sign-in.
    let setup: RateLimiter

    package enum Family: Sendable { case password, card, lostCard, setup }

    package subscript(_ family: Family) -> RateLimiter {
        switch family {
        case .password: password
        case .card: card
        case .lostCard: lostCard
        case .setup: setup
        }
    }

    package init(config: ServerConfig) {
        func make() -> RateLimiter { RateLimiter(perClient: config.signInPerClientPerMinute, global: config.signInGlobalPerMinute) }
        password = make()
        card = make()
        lostCard = make()
        setup = make()
    }
}

extension Application {
    private struct SignInLimitsKey: StorageKey { typealias Value = SignInLimits }

    /// This server's sign-in rate limiters (set by ``configure(_:config:)``).
    var signInLimits: SignInLimits {
        get {
            guard let l = storage[SignInLimitsKey.self] else { fatalError("configure(_:config:) was not called") }
            return l
        }
        set { storage[SignInLimitsKey.self] = newValue }
    }
}

extension Request {
    /// The client's address: the peer, or — only when the peer is a configured trusted proxy — the
    /// nearest `X-Forwarded-For` hop that is not itself a trusted proxy. A client's own claim is never
    /// believed, since naming a fresh address per request would escape every per-client limit.
    var clientAddress: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        let trusted = application.mynagate.config.trustedProxies
        guard !trusted.isEmpty, trusted.contains(peer) else { return peer }
        let hops = headers[.xForwardedFor].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !$0.isEmpty && !trusted.contains($0) } ?? peer
    }

    /// Whether the client (see ``clientAddress``) is on this machine's loopback interface. A request that
    /// came through a proxy (it carries `X-Forwarded-For` or `Forwarded`) is not, even when the proxy runs
    /// on this machine and is not configured as trusted: its client is somewhere else.
    var clientIsLoopback: Bool {
        guard !headers.contains(name: .xForwardedFor), !headers.contains(name: "Forwarded") else { return false }
        let a = clientAddress
        return a == "::1" || a.hasPrefix("127.") || a == "::ffff:127.0.0.1"
    }
}
