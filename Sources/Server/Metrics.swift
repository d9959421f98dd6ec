import Foundation
import Synchronization

/// Counters and a latency histogram, exposed at `/metrics` in the Prometheus text format.
/// Labels never carry a person, a card or a number: only outcomes, reason codes and door ids.
public final class Metrics: Sendable {
    private struct State {
        var counters: [String: Int] = [:]
        var buckets: [Int] = Array(repeating: 0, count: Metrics.bounds.count + 1)
        var sum: Double = 0
        var count = 0
    }
    /// Upper bounds of the decision-latency buckets, in seconds.
    static let bounds: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5]
    private let state = Mutex(State())

    public func increment(_ name: String, labels: [String: String] = [:], by amount: Int = 1) {
        let key = Self.key(name, labels)
        state.withLock { $0.counters[key, default: 0] += amount }
    }

    public func observeDecision(seconds: Double) {
        state.withLock { s in
            let i = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
            s.buckets[i] += 1
            s.sum += seconds
            s.count += 1
        }
    }

    /// The exposition text.
    public func render() -> String {
        state.withLock { s in
            var out = "# TYPE mynagate_events_total counter\n"
            for (k, v) in s.counters.sorted(by: { $0.key < $1.key }) { out += "\(k) \(v)\n" }
            out += "# TYPE mynagate_decision_seconds histogram\n"
            var cumulative = 0
            for (i, b) in Self.bounds.enumerated() {
                cumulative += s.buckets[i]
                out += "mynagate_decision_seconds_bucket{le=\"\(b)\"} \(cumulative)\n"
            }
            cumulative += s.buckets[Self.bounds.count]
            out += "mynagate_decision_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
            out += "mynagate_decision_seconds_sum \(s.sum)\nmynagate_decision_seconds_count \(s.count)\n"
            return out
        }
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        let l = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value.replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: ",")
        return "\(name){\(l)}"
    }
}
