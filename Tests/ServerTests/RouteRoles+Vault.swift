/// Which roles each Vault route admits (merged into `routeRoles` in SecurityTests.swift).
let vaultRouteRoles: [String: Set<String>] = [:]
