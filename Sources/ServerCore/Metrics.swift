import CoreMetrics
import Foundation
import Prometheus

/// This server's metrics, recorded through swift-metrics and exposed at `/metrics` by swift-prometheus.
///
/// Each ``AppState`` has its own `PrometheusCollectorRegistry` and creates its metrics on it through a
/// `PrometheusMetricsFactory`, instead of bootstrapping the process-wide `MetricsSystem`: tests run many
/// servers in one process, and each must count only its own requests (and `bootstrap` may be called once).
/// The registry writes a `# TYPE` line (and `# HELP` where given) for every family it holds, so a family
/// is declared exactly when it exists.
///
/// Labels never carry a person, a card or a number: only outcomes, reason codes, results and door ids.
public final class Metrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Upper bounds of the decision-latency buckets.
    static let decisionBuckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                              .milliseconds(50), .milliseconds(100), .milliseconds(500)]

    /// Family names, in one place so a dashboard or alert can be checked against them.
    public enum Name {
        public static let decisions = "mynagate_decisions_total"
        public static let decisionSeconds = "mynagate_decision_seconds"
        public static let decisionsRefused = "mynagate_decisions_refused_total"
        public static let eventQueueDepth = "mynagate_event_queue_depth"
        public static let eventWriteFailures = "mynagate_event_write_failures_total"
        public static let eventWriteRetries = "mynagate_event_write_retries_total"
        public static let eventsDropped = "mynagate_events_dropped_total"
        public static let policyAgeSeconds = "mynagate_policy_age_seconds"
        public static let policyReloadFailures = "mynagate_policy_reload_failures_total"
        public static let signInFailures = "mynagate_sign_in_failures_total"
        public static let doorSnapshots = "mynagate_door_snapshots_total"
        public static let doorEvents = "mynagate_door_events_total"
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.decisionSeconds] = Self.decisionBuckets
        self.factory = factory
        // The failure counters and gauges exist from the start (at zero), so an alert on them has a
        // series to read before the first failure.
        for name in [Name.decisionsRefused, Name.eventWriteFailures, Name.eventWriteRetries, Name.eventsDropped, Name.policyReloadFailures] {
            increment(name, by: 0)
        }
        gauge(Name.eventQueueDepth, 0)
        gauge(Name.policyAgeSeconds, 0)
    }

    /// Adds `amount` to the counter `name` with `labels` (created on first use).
    public func increment(_ name: String, labels: [String: String] = [:], by amount: Int = 1) {
        CoreMetrics.Counter(label: name, dimensions: Self.dimensions(labels), factory: factory).increment(by: amount)
    }

    /// Sets the gauge `name` (created on first use).
    public func gauge(_ name: String, _ value: Double) {
        CoreMetrics.Gauge(label: name, factory: factory).record(value)
    }

    /// Records one door decision's latency in the decision histogram.
    public func observeDecision(seconds: Double) {
        CoreMetrics.Timer(label: Name.decisionSeconds, factory: factory).recordNanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> String { registry.emitToString() }

    /// Labels in a fixed order: the registry keys a series by its label list.
    package static func dimensions(_ labels: [String: String]) -> [(String, String)] {
        labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
