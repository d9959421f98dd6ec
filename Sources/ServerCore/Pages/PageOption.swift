/// One choice in a page's select, radio group or list of checkboxes: the value posted, the label shown
/// in the page's language, and whether it is chosen. The one view model for choices on every page.
package struct PageOption: Encodable, Sendable, Hashable {
    package var value: String
    package var label: String
    package var checked: Bool = false

    package init(value: String, label: String, checked: Bool = false) {
        (self.value, self.label, self.checked) = (value, label, checked)
    }
}
