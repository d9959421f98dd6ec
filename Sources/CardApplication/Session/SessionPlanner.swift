/// Applicants of one municipality.
public struct CityGroup: Sendable, Hashable, Codable {
    public var municipality: Municipality
    public var applications: [ApplicationID]
}

/// A session MynaGate proposes to a city: its residents among the applicants.
public struct SessionProposal: Sendable, Hashable, Codable {
    public var municipality: Municipality
    public var applications: [ApplicationID]
}

/// The proposals, and the cities with too few applicants for a visit yet.
public struct SessionPlan: Sendable, Hashable, Codable {
    public var groups: [CityGroup]
    public var proposals: [SessionProposal]
    /// Cities below the minimum: "needs more applicants".
    public var needsMoreApplicants: [CityGroup]
}

/// Groups case-2 applicants by city of residence and proposes sessions.
///
/// Why by city: a city's staff accept applications only from their own residents (the leaflet's
/// case 2: 「住所地の市区町村から…交付」), so a session serves one municipality.
public struct SessionPlanner: Sendable {
    /// Fewest applicants worth a visit. "At least 5 per session is common" (issue 9); cities decide.
    public var minimumPerSession: Int
    /// Most per session, when the city sets a limit; larger groups are split evenly (but never into
    /// parts below ``minimumPerSession``).
    public var maximumPerSession: Int?

    public init(minimumPerSession: Int = 5, maximumPerSession: Int? = nil) {
        self.minimumPerSession = max(1, minimumPerSession)
        self.maximumPerSession = maximumPerSession.map { max($0, 1) }
    }

    /// Groups every open case-2 application that has data and no session yet (reviewed ones; data
    /// entered but not reviewed are counted too, so the clerk sees the demand early).
    public func group(_ applications: [ApplicationRecord]) -> [CityGroup] {
        var byCity: [Municipality: [ApplicationID]] = [:]
        for a in applications where a.route == .onSiteSession && a.session == nil && (a.stage == .reviewed || a.stage == .dataEntered) {
            guard let m = a.data?.municipality else { continue }
            byCity[m, default: []].append(a.id)
        }
        // Largest first (the best sessions to ask for), then by name for a stable order.
        return byCity.map { CityGroup(municipality: $0.key, applications: $0.value) }
            .sorted { ($0.applications.count, $1.municipality) > ($1.applications.count, $0.municipality) }
    }

    /// Proposes sessions for the groups that reach the minimum.
    public func plan(_ applications: [ApplicationRecord]) -> SessionPlan {
        let groups = group(applications)
        var proposals: [SessionProposal] = []
        var short: [CityGroup] = []
        for g in groups {
            guard g.applications.count >= minimumPerSession else { short.append(g); continue }
            var n = maximumPerSession.map { (g.applications.count + $0 - 1) / $0 } ?? 1
            // Never split below the minimum: a city that needs 5 people will not come for a part of 2,
            // so the minimum wins over the maximum (5 people, max 4, min 3 → one session of 5).
            while n > 1, g.applications.count / n < minimumPerSession { n -= 1 }
            // Even split: sizes differ by at most one, so no part falls far below the others.
            let base = g.applications.count / n, extra = g.applications.count % n
            var start = 0
            for k in 0..<n {
                let size = base + (k < extra ? 1 : 0)
                proposals.append(SessionProposal(municipality: g.municipality, applications: Array(g.applications[start..<(start + size)])))
                start += size
            }
        }
        return SessionPlan(groups: groups, proposals: proposals, needsMoreApplicants: short)
    }
}
