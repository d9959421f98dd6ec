import DoorAgent
import Testing

/// `door run` and `door register` refuse a plain-http server off this machine (security issue 14, H2):
/// the token would travel in clear and anyone on the path could answer for the server.
@Suite("Door agent: plain http only to this machine, or when the operator says the link is protected")
struct InsecureServerTests {
    @Test func plainHTTPIsRefusedOffThisMachine() {
        for allowed in ["https://gate.example.co.jp", "http://127.0.0.1:8080", "http://127.0.0.2", "http://localhost:8080", "http://[::1]:8080"] {
            #expect(insecureServerProblem(allowed, allowInsecureHTTP: false) == nil, "\(allowed)")
        }
        for refused in ["http://gate.example.co.jp", "http://10.0.0.5:8080", "http://127.0.0.1.evil.example", "http://localhost.evil.example", "ftp://gate"] {
            #expect(insecureServerProblem(refused, allowInsecureHTTP: false) != nil, "\(refused)")
        }
        #expect(insecureServerProblem("http://10.0.0.5:8080", allowInsecureHTTP: true) == nil)
    }
}
