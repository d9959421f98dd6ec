/// Which roles each CardApplication route admits (merged into `routeRoles` in SecurityTests.swift).
let cardApplicationRouteRoles: [String: Set<String>] = [:]
