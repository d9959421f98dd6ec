/// Which roles each Attendance route admits (merged into `routeRoles` in SecurityTests.swift).
///
/// Everyone signed in reads their own month; HR and administrators read everyone's, correct, import
/// self-reports and export payroll; only an administrator changes the settings or purges.
let attendanceRouteRoles: [String: Set<String>] = {
    let everyone: Set<String> = ["admin", "security", "hr", "employee"]
    let staff: Set<String> = ["admin", "hr"]
    return [
        "GET /api/v1/me/attendance": everyone, "GET /api/v1/me/attendance/timeline.svg": everyone,
        "GET /api/v1/attendance/employees/:id": staff, "GET /api/v1/attendance/employees/:id/timeline.svg": staff,
        "GET /api/v1/attendance/department": staff, "GET /api/v1/attendance/department/heatmap.svg": staff,
        "GET /api/v1/attendance/alerts": staff, "POST /api/v1/attendance/corrections": staff,
        "GET /api/v1/attendance/settings": staff, "PUT /api/v1/attendance/settings": ["admin"],
        "POST /api/v1/attendance/self-reports": staff, "GET /api/v1/attendance/self-reports/gaps": staff,
        "GET /api/v1/attendance/payroll": staff, "POST /api/v1/attendance/purge": ["admin"],
        // Door history from the previous system: an administrator imports and takes back; HR reads.
        "GET /api/v1/attendance/history": staff, "POST /api/v1/attendance/history": ["admin"],
        "DELETE /api/v1/attendance/history/:serial": ["admin"],
        "GET /attendance/history": staff, "POST /attendance/history": ["admin"],
        "GET /api/v1/me/attendance/leave": everyone, "GET /api/v1/attendance/leave": staff,
        "POST /api/v1/attendance/leave/import": staff, "POST /api/v1/attendance/leave/grants": staff, "POST /api/v1/attendance/leave/days": staff,
        "POST /api/v1/attendance/pc-logs": staff, "GET /api/v1/attendance/pc-logs/gaps": staff, "GET /api/v1/attendance/pc-logs/tasks": staff,
        "POST /api/v1/attendance/pc-logs/tasks/:id/resolve": staff,
        // Pages.
        "GET /my/attendance": everyone,
        "GET /attendance": staff, "GET /attendance/people/:id": staff, "POST /attendance/people/:id/corrections": staff,
        "GET /attendance/department": staff, "GET /attendance/self-reports": staff, "POST /attendance/self-reports": staff,
        "GET /attendance/settings": staff,
        "GET /attendance/leave": staff, "POST /attendance/leave/import": staff, "POST /attendance/leave/grants": staff,
        "POST /attendance/leave/days": staff,
        "GET /attendance/pc-logs": staff, "POST /attendance/pc-logs": staff, "POST /attendance/pc-logs/tasks/:id/resolve": staff,
    ]
}()
