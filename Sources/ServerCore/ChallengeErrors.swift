import Vapor

/// Why a stored challenge (``ChallengeStore/consume(id:context:on:)``) cannot be used, as ``APIError``s
/// (422). The English sentences are the words the event log and the door's decision show
/// (`signature_invalid (challenge already used (replay))`), so they stay as they were.
extension APIError {
    static let unknownChallenge = APIError(.unprocessableEntity, code: "unknown_challenge",
                                           ja: "そのチャレンジは発行されていません。", en: "unknown challenge")
    static let challengeReplayed = APIError(.unprocessableEntity, code: "challenge_replayed",
                                            ja: "このチャレンジは使用済みです（再送）。", en: "challenge already used (replay)")
    static let challengeExpired = APIError(.unprocessableEntity, code: "challenge_expired",
                                           ja: "チャレンジの有効期限が切れています。", en: "challenge expired")

    /// A challenge issued for another place (`context`: a door, enrollment of a person, sign-in).
    static func challengeWrongPlace(_ context: String) -> APIError {
        APIError(.unprocessableEntity, code: "challenge_wrong_place",
                 ja: "このチャレンジは別の用途（\(context)）のために発行されたものです。", en: "challenge issued for \(context), not here")
    }
}
