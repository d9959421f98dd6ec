/// The Trust module: what a verifier (利用者証明検証者) must check before it believes a card.
///
/// - Trust anchors come from configuration only (``TrustAnchors``); MynaGate ships test anchors and
///   trusts nothing by default.
/// - Card certificates are validated against those anchors under a JPKI policy.
/// - Revocation comes from CRLs (parsed and indexed for national scale) or OCSP.
/// - A challenge signed by the card's auth key proves the card is present, not copied.
public enum Trust {}
