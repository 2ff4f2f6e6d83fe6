//! `load --html FILE`: one self-contained page (no script, no external asset) that shows a
//! load run: its figures, latency over time per measured endpoint (one SVG polyline each),
//! p50/p95/p99 per endpoint (one SVG bar group each), the endpoint tables (setup traffic
//! apart) and the failures under load with their redacted examples.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::report::{LoadReport, measured, totals};
use super::stats::EndpointStats;
use crate::report::escape;

/// Line colours of the endpoints, in turn (then again, dashed).
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#7f7f7f", "#bcbd22",
];
/// Bar colours of p50, p95, p99.
const PERCENTILES: &[(&str, f64, &str)] = &[
    ("p50", 0.50, "#9ecae1"),
    ("p95", 0.95, "#3182bd"),
    ("p99", 0.99, "#08306b"),
];

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 70.0;
const TOP: f64 = 20.0;
const PLOT_H: f64 = 300.0;
const PLOT_W: f64 = WIDTH - LEFT - 30.0;

/// The page.
pub fn render_html(r: &LoadReport) -> String {
    let s = &r.stats;
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>openapp-conformance load</title>\n<style>\nbody{font:14px system-ui,sans-serif;margin:24px;color:#222}\ntable{border-collapse:collapse;margin:8px 0 20px}td,th{padding:3px 10px;border-bottom:1px solid #ddd}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\nsvg{display:block;margin:8px 0 20px;font:12px monospace}svg .axis{stroke:#444}svg .grid{stroke:#e4e4e4}\n.verdict-clean{color:#1a7f37}.verdict-failed{color:#cf222e}pre{background:#f6f8fa;padding:8px;white-space:pre-wrap}\n</style></head><body>\n",
    );
    let (class, verdict) = if r.clean() {
        ("verdict-clean", "CLEAN")
    } else {
        ("verdict-failed", "FAILURES")
    };
    let _ = writeln!(
        out,
        "<h1>Load run: <span class=\"{class}\">{verdict}</span></h1>\n<p>{}.</p>\n<p>Of the requests, {}.</p>",
        escape(&totals(r)),
        escape(&measured(r)),
    );
    out.push_str("<h2>Latency over time</h2>\n");
    out.push_str(&timeline_svg(r));
    out.push_str("<h2>Percentiles per endpoint</h2>\n");
    out.push_str(&percentile_svg(&s.endpoints));
    out.push_str("<h2>Endpoints</h2>\n");
    out.push_str(&endpoint_table(&s.endpoints));
    if !s.setup.is_empty() {
        out.push_str("<h2>Setup traffic (not measured)</h2>\n");
        out.push_str(&endpoint_table(&s.setup));
    }
    if !s.failures.is_empty() {
        out.push_str("<h2>Failures under load</h2>\n");
        for (k, f) in &s.failures {
            let kind = if f.conformance {
                "conformance failure"
            } else {
                "error"
            };
            let _ = writeln!(
                out,
                "<h3>{}× {kind} [{}]: {} step {} ({}): {}</h3><pre>{}</pre>",
                f.count,
                escape(&f.rules.join(", ")),
                escape(&k.scenario),
                k.step,
                escape(&k.label),
                escape(&k.what),
                escape(&f.example)
            );
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// A round upper bound for an axis (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
/// ten), at least `max`, so that its fifths are round too.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * power)
}

/// Axis lines, five ticks with labels on each axis, and the two axis titles.
fn axes(out: &mut String, x_max: f64, y_max: f64, x_title: &str, y_title: &str) {
    let bottom = TOP + PLOT_H;
    for i in 0..=5 {
        let f = f64::from(i) / 5.0;
        let (x, y) = (LEFT + f * PLOT_W, bottom - f * PLOT_H);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/><text class=\"tick y\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><text class=\"tick x\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            LEFT + PLOT_W,
            LEFT - 6.0,
            y + 4.0,
            tick(f * y_max),
            bottom + 16.0,
            tick(f * x_max),
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\"/><line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\"/><text class=\"axis-label x\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text class=\"axis-label y\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">{}</text>",
        LEFT + PLOT_W,
        LEFT + PLOT_W / 2.0,
        bottom + 36.0,
        escape(x_title),
        TOP + PLOT_H / 2.0,
        TOP + PLOT_H / 2.0,
        escape(y_title),
    );
}

fn tick(v: f64) -> String {
    if v == 0.0 || v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Mean latency per time slice, one polyline per measured endpoint, and a legend.
fn timeline_svg(r: &LoadReport) -> String {
    let t = &r.stats.timeline;
    let width_s = t.width().as_secs_f64();
    let slices = t.series().values().map(Vec::len).max().unwrap_or(0);
    let x_max = nice_ceiling((slices as f64 * width_s).max(r.elapsed.as_secs_f64()));
    let y_max = nice_ceiling(
        t.series()
            .values()
            .flatten()
            .map(|s| s.mean_ms())
            .fold(0.0, f64::max),
    );
    let legend_rows = t.series().len();
    let height = TOP + PLOT_H + 56.0 + 18.0 * legend_rows as f64;
    let mut out = format!(
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\"><title>mean latency per {:.0} ms slice, per endpoint</title>",
        width_s * 1000.0
    );
    axes(
        &mut out,
        x_max,
        y_max,
        "time since start (s)",
        "mean latency (ms)",
    );
    for (i, (key, series)) in t.series().iter().enumerate() {
        let points: Vec<String> = series
            .iter()
            .enumerate()
            .filter(|(_, s)| s.count > 0)
            .map(|(j, s)| {
                let x = LEFT + (j as f64 + 0.5) * width_s / x_max * PLOT_W;
                let y = TOP + PLOT_H - s.mean_ms() / y_max * PLOT_H;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let (colour, dash) = style(i);
        let _ = write!(
            out,
            "<polyline class=\"series\" data-endpoint=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash} points=\"{}\"><title>{}</title></polyline>",
            escape(key),
            points.join(" "),
            escape(key)
        );
        let y = TOP + PLOT_H + 60.0 + 18.0 * i as f64;
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"3\"{dash}/><text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            y - 4.0,
            LEFT + 24.0,
            y - 4.0,
            LEFT + 30.0,
            escape(key)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn style(i: usize) -> (&'static str, &'static str) {
    let colour = COLOURS[i % COLOURS.len()];
    let dash = if i >= COLOURS.len() {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    };
    (colour, dash)
}

/// p50, p95 and p99 per endpoint as horizontal bars, one group per endpoint.
fn percentile_svg(endpoints: &BTreeMap<String, EndpointStats>) -> String {
    const LABEL_W: f64 = 400.0;
    const ROW: f64 = 40.0;
    const BAR: f64 = 9.0;
    let bars_w = WIDTH - LABEL_W - 80.0;
    let x_max = nice_ceiling(
        endpoints
            .values()
            .map(|e| e.latency.quantile_ms(0.99))
            .fold(0.0, f64::max),
    );
    let top = 30.0;
    let bottom = top + ROW * endpoints.len() as f64;
    let height = bottom + 50.0;
    let mut out = format!(
        "<svg class=\"percentiles\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\"><title>p50, p95 and p99 latency per endpoint</title>"
    );
    for (i, (name, _, colour)) in PERCENTILES.iter().enumerate() {
        let x = LABEL_W + 70.0 * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text class=\"legend\" x=\"{}\" y=\"16\">{name}</text>",
            x + 16.0
        );
    }
    for i in 0..=5 {
        let f = f64::from(i) / 5.0;
        let x = LABEL_W + f * bars_w;
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\"/><text class=\"tick x\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 16.0,
            tick(f * x_max)
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LABEL_W}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\"/><text class=\"axis-label x\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">latency (ms)</text>",
        LABEL_W + bars_w,
        LABEL_W + bars_w / 2.0,
        bottom + 36.0
    );
    for (i, (key, e)) in endpoints.iter().enumerate() {
        let y = top + ROW * i as f64 + 6.0;
        let _ = write!(
            out,
            "<g class=\"bars\" data-endpoint=\"{}\"><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            escape(key),
            LABEL_W - 8.0,
            y + 1.5 * BAR + 4.0,
            escape(key)
        );
        for (j, (name, q, colour)) in PERCENTILES.iter().enumerate() {
            let v = e.latency.quantile_ms(*q);
            let by = y + j as f64 * BAR;
            let _ = write!(
                out,
                "<rect class=\"{name}\" x=\"{LABEL_W}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{colour}\"><title>{name} {v:.2} ms</title></rect>",
                v / x_max * bars_w
            );
        }
        let _ = write!(
            out,
            "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">p99 {:.2} ms</text></g>",
            LABEL_W + e.latency.quantile_ms(0.99) / x_max * bars_w + 6.0,
            y + 2.5 * BAR + 3.0,
            e.latency.quantile_ms(0.99)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn endpoint_table(endpoints: &BTreeMap<String, EndpointStats>) -> String {
    let mut out = String::from(
        "<table><tr><th>endpoint</th><th class=\"n\">requests</th><th class=\"n\">errors</th><th class=\"n\">p50 ms</th><th class=\"n\">p95 ms</th><th class=\"n\">p99 ms</th><th class=\"n\">max ms</th></tr>\n",
    );
    for (key, e) in endpoints {
        let h = &e.latency;
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td><td class=\"n\">{:.2}</td></tr>",
            escape(key),
            e.requests,
            e.transport_errors + e.server_errors,
            h.quantile_ms(0.50),
            h.quantile_ms(0.95),
            h.quantile_ms(0.99),
            h.max_ms()
        );
    }
    out.push_str("</table>\n");
    out
}
