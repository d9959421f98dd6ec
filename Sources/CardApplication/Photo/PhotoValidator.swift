import Access

/// The outcome of checking one photo.
public struct PhotoReport: Sendable, Hashable, Codable {
    public var byteCount: Int
    /// What the header said, when it could be read.
    public var info: ImageInfo?
    /// Every finding, errors and notices.
    public var issues: [PhotoIssue]

    /// The findings that refuse the photo.
    public var errors: [PhotoIssue] { issues.filter { $0.severity == .error } }
    /// The photo passed every machine check.
    public var isAcceptable: Bool { errors.isEmpty }
}

/// Checks an uploaded photo against ``PhotoRules``.
public struct PhotoValidator: Sendable {
    public var rules: PhotoRules

    public init(rules: PhotoRules = .jlis) { self.rules = rules }

    /// Checks `bytes`. All failures are reported together, so the employee fixes everything at once.
    /// - Parameter today: the day in Japan, for the age of the photo.
    public func validate(_ bytes: [UInt8], today: CivilDate) -> PhotoReport {
        var issues: [PhotoIssue] = []
        // Size limits hold for any file, readable or not.
        if bytes.isEmpty { return PhotoReport(byteCount: 0, info: nil, issues: [PhotoIssue(.empty)]) }
        if bytes.count < rules.minBytes { issues.append(.init(.fileTooSmall(bytes: bytes.count, min: rules.minBytes))) }
        if bytes.count > rules.maxBytes { issues.append(.init(.fileTooLarge(bytes: bytes.count, max: rules.maxBytes))) }

        let info: ImageInfo
        switch ImageInspector.inspect(bytes) {
        case .success(let i): info = i
        case .failure(.truncated): return PhotoReport(byteCount: bytes.count, info: nil, issues: issues + [.init(.truncated)])
        case .failure: return PhotoReport(byteCount: bytes.count, info: nil, issues: issues + [.init(.unreadable)])
        }
        guard rules.acceptedFormats.contains(info.format) else {
            return PhotoReport(byteCount: bytes.count, info: info, issues: issues + [.init(.wrongFormat(info.format))])
        }

        if let (w, h) = info.displaySize {
            if w < rules.minPixels || h < rules.minPixels { issues.append(.init(.tooFewPixels(width: w, height: h, min: rules.minPixels))) }
            if w > rules.maxPixels || h > rules.maxPixels { issues.append(.init(.tooManyPixels(width: w, height: h, max: rules.maxPixels))) }
            let ratio = Double(h) / Double(w)
            if abs(ratio - rules.heightOverWidth) / rules.heightOverWidth > rules.proportionTolerance {
                issues.append(.init(.wrongProportions(width: w, height: h)))
            }
        }
        if rules.requireRGB, let c = info.components, c == 4 { issues.append(.init(.notRGB(components: c))) }

        if let taken = info.takenAt?.date {
            let limit = today.adding(months: -rules.maxAgeMonths)
            if taken < limit { issues.append(.init(.tooOld(taken: taken, limit: limit))) }
            // One day of slack: the camera's clock may be in another zone.
            else if taken > today.adding(days: 1) { issues.append(.init(.takenInFuture(taken: taken))) }
        } else {
            issues.append(.init(.dateUnknown))
        }
        return PhotoReport(byteCount: bytes.count, info: info, issues: issues)
    }
}
