import Vapor

/// How the server's log is set up. `LOG_LEVEL` / `--log` choose the level as in any Vapor app, except
/// that `trace` is raised to `debug`: at trace Vapor logs every request head as it is decoded — the URI
/// as sent (where a client may have typed a My Number) and the session cookie and CSRF token headers.
public enum ServerLogging {
    /// The level the server logs at for a requested level: anything below `debug` becomes `debug`.
    public static func level(requested: Logger.Level) -> Logger.Level { max(requested, .debug) }

    /// Bootstraps the logging system from the environment with ``level(requested:)``.
    public static func bootstrap(from environment: inout Environment) throws {
        let level = level(requested: try Logger.Level.detect(from: &environment))
        LoggingSystem.bootstrap { label in ConsoleLogger(label: label, console: Terminal(), level: level) }
    }
}
