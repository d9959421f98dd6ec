import Access

extension IdentifierKind {
    /// Kind of ``ApplicationID``.
    public enum CardApplication {}
    /// Kind of ``BatchID``.
    public enum ContractorBatch {}
    /// Kind of ``SessionID``.
    public enum OnSiteSession {}
}

/// One employee's card application (one attempt; a withdrawn application is closed and a new one may
/// be opened later).
public typealias ApplicationID = Identifier<IdentifierKind.CardApplication>
/// One batch sent to the application-receiving contractor (case 1).
public typealias BatchID = Identifier<IdentifierKind.ContractorBatch>
/// One on-site application session held by a city's staff at the company (case 2).
public typealias SessionID = Identifier<IdentifierKind.OnSiteSession>
