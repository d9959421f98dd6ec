/// The Attendance part of the OpenAPI document (appended to ``OpenAPIDocument/yaml``'s paths).
enum AttendanceOpenAPI {
    static let paths = ""
}
