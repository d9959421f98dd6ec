import ServerCore

extension AttendanceService {
    /// The one line-error shape of every import (``ServerCore/LineErrorDTO``), under the name the
    /// attendance imports and their OpenAPI text have always used.
    public typealias LineErrorDTO = ServerCore.LineErrorDTO
}
