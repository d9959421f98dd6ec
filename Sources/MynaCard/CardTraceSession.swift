/// The session `mynagate card trace` records, in the client's own operations, so a trace made with a
/// real card and its replay test (``TraceReplayTransport`` in SmartCard) run the same steps.
///
/// ``survey(_:)`` reads nothing personal and spends no PIN try: the applications (SELECT each AID),
/// the JPKI token, the size of each certificate from its header (not the certificate: the auth
/// certificate's serial identifies the holder to anyone who has seen it), and the tries left for each
/// PIN. ``verify(_:attempt:on:)`` is only for a holder who chose to send a PIN; the PIN itself never
/// reaches a trace (``APDUTraceEntry``).
public enum CardTraceSession {
    /// What the survey found. Sizes and counts only; no card content except the public token name.
    public struct Survey: Sendable, Hashable {
        public var applications: [MynaApplication] = []
        /// The JPKI token EF (`JPKIAPICCTOKEN2` on a My Number card).
        public var token: String?
        /// The size of each certificate file's DER; a missing entry needed a PIN (the signing certificate).
        public var certificateLengths: [JPKISession.CertificateKind: Int] = [:]
        public var triesLeft: [PINKind: Int] = [:]
    }

    /// The certificates in the order the survey reads their headers.
    public static let certificateOrder: [JPKISession.CertificateKind] = [.auth, .authCA, .signingCA, .signing]

    /// Applications, token, certificate sizes and tries left. Spends no PIN try.
    public static func survey(_ card: MynaCard) async throws(MynaCardError) -> Survey {
        var s = Survey()
        s.applications = try await card.applications().value
        if s.applications.contains(.jpki) {
            s.token = try await card.jpki.token().value
            for kind in certificateOrder {
                do {
                    s.certificateLengths[kind] = try await card.jpki.certificateLength(kind).value
                } catch .verificationRequired {
                    // The signing certificate before the signing password: the card's 6982 is recorded.
                    continue
                }
            }
            s.triesLeft[.jpkiAuth] = try await card.jpki.triesLeft(.auth).value
            s.triesLeft[.jpkiSigning] = try await card.jpki.triesLeft(.signing).value
        }
        if s.applications.contains(.text) { s.triesLeft[.text] = try await card.text.triesLeft().value }
        if s.applications.contains(.visual) { s.triesLeft[.visualB] = try await card.visual.triesLeft().value }
        return s
    }

    /// Verifies `pin` under the PIN rules, then reads the tries left again (the card resets them to the
    /// maximum on success); after the signing password it also reads the signing certificate's header,
    /// whose bytes the trace hides. Returns the tries left.
    public static func verify(_ pin: PIN, attempt: PINAttempt, on card: MynaCard) async throws(MynaCardError) -> Int {
        switch pin.kind {
        case .jpkiAuth, .jpkiSigning:
            _ = try await card.jpki.verify(pin, attempt: attempt)
            let key: JPKISession.Key = pin.kind == .jpkiAuth ? .auth : .signing
            let left = try await card.jpki.triesLeft(key).value
            if pin.kind == .jpkiSigning { _ = try await card.jpki.certificateLength(.signing) }
            return left
        case .text:
            _ = try await card.text.verify(pin, attempt: attempt)
            return try await card.text.triesLeft().value
        case .visualB:
            _ = try await card.visual.open(with: pin, attempt: attempt)
            return try await card.visual.triesLeft().value
        case .visualBirthDate:
            // The age record is read with it (what the key is for); the trace hides the birth date it holds.
            _ = try await card.visual.ageRecord(birthDateKey: pin, attempt: attempt)
            return try await card.visual.birthDateTriesLeft().value
        }
    }
}
