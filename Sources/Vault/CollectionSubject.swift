/// One person whose number a collection request asks for, with the purposes stated for that person.
///
/// Purposes are per subject, not per request, so the notice tells the employee exactly why each number
/// is asked for (a child's number is never asked "for employment insurance").
public struct CollectionSubject: Sendable, Hashable, Codable, Identifiable {
    public var id: SubjectID
    public var role: SubjectRole
    /// A name to show on the notice (e.g. the dependent's name). Never the number.
    public var displayName: String
    /// The purposes stated for this person; never empty, never widened after the notice.
    public var purposes: Set<Purpose>

    public init(id: SubjectID = SubjectID(), role: SubjectRole, displayName: String, purposes: Set<Purpose>) {
        self.id = id
        self.role = role
        self.displayName = displayName
        self.purposes = purposes
    }
}
