/// Which roles each Attendance route admits (merged into `routeRoles` in SecurityTests.swift).
let attendanceRouteRoles: [String: Set<String>] = [:]
