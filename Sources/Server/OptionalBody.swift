import Vapor

extension Request {
    /// The body decoded as `T`, or nil when the client sent no body at all — for routes whose body is
    /// optional (`{"dryRun": true}`). A body that is present but does not decode is an error (400 from
    /// ``APIErrorMiddleware``), never read as "no body": a garbled request to a destructive route such as
    /// the vault's disposal run or the attendance purge must not run it with the defaults.
    func optionalContent<T: Decodable>(_ type: T.Type) throws -> T? {
        guard let body = body.data, body.readableBytes > 0 else { return nil }
        return try content.decode(T.self)
    }
}
