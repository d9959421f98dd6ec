/// One choice in a page's select, radio group or list of checkboxes: the value posted, the label shown
/// in the page's language, and whether it is chosen. The one view model for choices on every page.
struct PageOption: Encodable, Sendable, Hashable {
    var value: String
    var label: String
    var checked: Bool = false
}
