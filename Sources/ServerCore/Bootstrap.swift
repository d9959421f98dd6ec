import Fluent
import Foundation
import Store
import Vapor

/// Accounts created from the command line (`mynagate user add`) and by the first run (``FirstRun``).
public enum Accounts {
    /// Creates an account; the password is hashed with bcrypt (cost 12 by default: about a quarter of a
    /// second here, which is what slows a password-guessing attacker down).
    ///
    /// - Parameter cost: the bcrypt cost; tests pass a low one so that a suite creating many accounts in
    ///   parallel does not saturate the machine and disturb the timing tests running beside it.
    public static func create(username: String, password: String, role: Role, employeeID: UUID? = nil, cost: Int = 12, on db: any Database) async throws {
        guard (1...64).contains(username.schemaLength) else { throw Abort(.unprocessableEntity, reason: "username must be 1–64 characters") }
        guard password.count >= 10 else { throw Abort(.unprocessableEntity, reason: "password must be at least 10 characters") }
        if try await UserModel.query(on: db).filter(\.$username == username).first() != nil {
            throw Abort(.conflict, reason: "username already exists")
        }
        try await UserModel(username: username, passwordHash: try Bcrypt.hash(password, cost: cost), role: role.rawValue, employeeID: employeeID).create(on: db)
    }

    /// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
    public static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}
