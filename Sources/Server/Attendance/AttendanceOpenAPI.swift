/// The Attendance part of the OpenAPI document (appended to ``OpenAPIDocument/yaml``'s paths).
/// Months are `?month=YYYY-MM` (default: this month in Japan); times are minutes. HR and administrators
/// read everyone's records; an employee reads only their own (`/api/v1/me/attendance`).
enum AttendanceOpenAPI {
    static let paths = #"""

  /api/v1/me/attendance:
    get: {summary: "My month: days (first entry, last exit, worked, overtime, late-night, legal-holiday minutes, issues such as a missing exit), totals, 36協定 alerts incl. the 80 h notice, the door record and corrections", parameters: [{name: month, in: query, schema: {type: string, pattern: "^[0-9]{4}-[0-9]{2}$"}}], security: [{session: []}], responses: {"200": {description: month}, "400": {description: bad month}, "404": {description: account not linked to an employee}}}
  /api/v1/me/attendance/timeline.svg:
    get: {summary: My month as a timeline chart (SVG), parameters: [{name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: SVG, content: {image/svg+xml: {}}}}}
  /api/v1/attendance/employees/{id}:
    get: {summary: "A person's month (admin, hr), as /api/v1/me/attendance", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}, {name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: month}, "400": {description: bad id or month}, "404": {description: no such employee}}}
  /api/v1/attendance/employees/{id}/timeline.svg:
    get: {summary: "A person's month as a timeline chart (SVG) (admin, hr)", parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}, {name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: SVG, content: {image/svg+xml: {}}}}}
  /api/v1/attendance/department:
    get: {summary: "A department's month: totals and alerts per person, nearLimit (admin, hr)", parameters: [{name: name, in: query, required: true, schema: {type: string}}, {name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: department}, "400": {description: no name}, "404": {description: nobody in it}}}
  /api/v1/attendance/department/heatmap.svg:
    get: {summary: "A department's month as a heat map of hours per person and day, people near a limit marked (SVG) (admin, hr)", parameters: [{name: name, in: query, required: true, schema: {type: string}}, {name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: SVG, content: {image/svg+xml: {}}}}}
  /api/v1/attendance/alerts:
    get: {summary: "36協定 alerts of the month for everyone with one: forecast, warning, over a limit, the 80 h worker notice (admin, hr)", parameters: [{name: month, in: query, schema: {type: string}}, {name: department, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/attendance/corrections:
    post:
      summary: "Correct a person's crossings: add a missing one, move or void a recorded one; kept as a separate record with who and why (door events are never changed) (admin, hr)"
      security: [{session: []}]
      requestBody: {content: {application/json: {schema: {type: object, required: [employeeId, action, reason], properties: {employeeId: {type: string, format: uuid}, action: {type: string, enum: [add, move, void]}, direction: {type: string, enum: [in, out]}, at: {type: string, format: date-time}, eventId: {type: string}, reason: {type: string, maxLength: 500}}}}}}
      responses: {"201": {description: stored}, "400": {description: not JSON}, "404": {description: no such employee}, "422": {description: missing reason, direction, time or an event that is not this person's crossing}}
  /api/v1/attendance/settings:
    get: {summary: "Calendar, working-time rules, the 36協定 numbers, retention, self-report margin (admin, hr)", security: [{session: []}], responses: {"200": {description: settings}}}
    put: {summary: "Change some settings; fields left out keep their values (admin)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object}}}}, responses: {"200": {description: saved}, "400": {description: not a JSON object}, "422": {description: "unknown field, wrong type or value out of range (all problems listed)"}}}
  /api/v1/attendance/self-reports:
    post: {summary: "Import self-reported hours (CSV: employee number, date, start, end, break minutes; UTF-8 or Shift_JIS); a person's day replaces an earlier import (admin, hr)", security: [{session: []}], requestBody: {content: {text/csv: {}}}, responses: {"200": {description: "imported count, line errors, unknown employee numbers"}, "400": {description: empty body}, "422": {description: neither UTF-8 nor Shift_JIS}}}
  /api/v1/attendance/self-reports/gaps:
    get: {summary: "Days where the self-report and the door record differ by more than the margin (admin, hr)", parameters: [{name: month, in: query, schema: {type: string}}], security: [{session: []}], responses: {"200": {description: list}}}
  /api/v1/attendance/payroll:
    get: {summary: "The month's totals per person for payroll (admin, hr)", parameters: [{name: month, in: query, schema: {type: string}}, {name: format, in: query, schema: {type: string, enum: [json, csv]}}], security: [{session: []}], responses: {"200": {description: "JSON rows or a CSV file"}, "400": {description: bad month or format}}}
  /api/v1/attendance/purge:
    post: {summary: "Purge attendance records older than the retention (default 3 years) and record the purge in the event log (admin)", security: [{session: []}], requestBody: {content: {application/json: {schema: {type: object, properties: {dryRun: {type: boolean}}}}}}, responses: {"200": {description: "counts, the first kept day, the record's sequence"}}}
"""#
}
