//! The HTML report's pictures of one scenario (issue 20 §2), inline and script-free:
//! - a **sequence picture** (SVG): one lane per client and per server (Kratos public, Kratos
//!   admin, OpenApp; the harness's own lane for identity setup), one arrow per recorded
//!   exchange with its method, path, status and the contract cookies it set or cleared;
//! - a **jar timeline** (a table): after each step, which contract cookies each client's jar
//!   holds, host-only or `Domain=`.
//!
//! Elements carry `data-*` attributes (lane, step, status) so that tests and tools read them.

use std::fmt::Write;

use super::record::{Record, escape};
use crate::cookie::{Lifetime, parse_set_cookie};
use crate::run::result::{Exchange, JarCookie};
use crate::settings::unix_now;

const LANE: usize = 170;
const ROW: usize = 34;
const TOP: usize = 40;

/// The server lanes, in the order they are drawn after the clients.
const SERVERS: [&str; 3] = ["kratos public", "kratos admin", "openapp"];

/// The lane of the server an exchange went to, by its path.
fn server(ex: &Exchange) -> &'static str {
    let path = url::Url::parse(&ex.url).map_or(String::new(), |u| u.path().to_string());
    if path.starts_with("/admin/") {
        "kratos admin"
    } else if path.starts_with("/self-service/") || path.starts_with("/sessions") {
        "kratos public"
    } else {
        "openapp"
    }
}

/// `sets ory_kratos_session · clears csrf_token_…`: the contract cookies a response set or
/// cleared.
fn cookie_summary(ex: &Exchange, now: i64) -> String {
    let Ok(resp) = &ex.response else {
        return String::new();
    };
    let mut parts = Vec::new();
    for line in &resp.set_cookies {
        let Ok(c) = parse_set_cookie(line) else {
            continue;
        };
        let verb = if c.lifetime(now) == Lifetime::Expired {
            "clears"
        } else {
            "sets"
        };
        let name = if c.name.starts_with("csrf_token_") {
            "csrf_token_…"
        } else {
            c.name.as_str()
        };
        let variant = if c.domain.is_some() {
            "Domain="
        } else {
            "host-only"
        };
        parts.push(format!("{verb} {name} ({variant})"));
    }
    parts.dedup();
    parts.join(" · ")
}

/// An arrow's label: method, path, status and the cookies set or cleared.
fn label(ex: &Exchange) -> String {
    let path = url::Url::parse(&ex.url).map_or(ex.url.clone(), |u| u.path().to_string());
    let status = match &ex.response {
        Ok(resp) => resp.status.to_string(),
        Err(_) => "no response".into(),
    };
    let cookies = cookie_summary(ex, unix_now());
    if cookies.is_empty() {
        format!("{} {path} → {status}", ex.method)
    } else {
        format!("{} {path} → {status} · {cookies}", ex.method)
    }
}

/// The sequence picture of a record's exchanges (setup, then each step's).
pub(super) fn sequence(record: &Record) -> String {
    let r = &record.result;
    let mut lanes: Vec<String> = Vec::new();
    if !r.setup.is_empty() {
        lanes.push("harness".into());
    }
    for step in &r.steps {
        if !lanes.contains(&step.client) {
            lanes.push(step.client.clone());
        }
    }
    let clients = lanes.len();
    lanes.extend(SERVERS.iter().map(|s| s.to_string()));
    // Identity creation before the steps, deletion after them.
    let (created, deleted): (Vec<&Exchange>, Vec<&Exchange>) =
        r.setup.iter().partition(|ex| ex.method != "DELETE");
    let arrows: Vec<(usize, &str, &Exchange)> = created
        .into_iter()
        .map(|ex| (0, "harness", ex))
        .chain(r.steps.iter().flat_map(|s| {
            s.exchanges
                .iter()
                .map(move |ex| (s.index, s.client.as_str(), ex))
        }))
        .chain(deleted.into_iter().map(|ex| (0, "harness", ex)))
        .collect();
    let x = |lane: &str| 20 + LANE / 2 + lanes.iter().position(|l| l == lane).unwrap_or(0) * LANE;
    // Wide enough for the longest label (about 6.7 px per character at 11 px monospace).
    let labels = arrows
        .iter()
        .map(|(_, client, ex)| x(client).min(x(server(ex))) + 12 + label(ex).chars().count() * 7)
        .max()
        .unwrap_or(0);
    let width = (40 + lanes.len() * LANE).max(labels);
    let height = TOP + (arrows.len() + 1) * ROW;
    let mut out = format!(
        "<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"sequence of the scenario's exchanges\">\n\
"
    );
    for (i, lane) in lanes.iter().enumerate() {
        let kind = if i < clients { "client" } else { "server" };
        let lx = x(lane);
        let _ = writeln!(
            out,
            "<g class=\"lane {kind}\" data-lane=\"{}\"><text x=\"{lx}\" y=\"20\" text-anchor=\"middle\">{}</text>\
             <line x1=\"{lx}\" y1=\"28\" x2=\"{lx}\" y2=\"{}\"/></g>",
            escape(lane),
            escape(lane),
            height - 6
        );
    }
    for (n, (step, client, ex)) in arrows.iter().enumerate() {
        let (from, to) = (x(client), x(server(ex)));
        let y = TOP + (n + 1) * ROW;
        let status = match &ex.response {
            Ok(resp) => resp.status.to_string(),
            Err(_) => "no response".into(),
        };
        let class = match &ex.response {
            Ok(resp) if resp.status < 400 => "ok",
            _ => "bad",
        };
        let label = label(ex);
        let back = if to >= from { 8 } else { -8 };
        let head = format!(
            "{to},{y} {},{} {},{}",
            to as i64 - back,
            y - 4,
            to as i64 - back,
            y + 4
        );
        let _ = writeln!(
            out,
            "<g class=\"arrow {class}\" data-step=\"{step}\" data-from=\"{}\" data-to=\"{}\" data-status=\"{status}\">\
             <line x1=\"{from}\" y1=\"{y}\" x2=\"{to}\" y2=\"{y}\"/><polygon points=\"{head}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            escape(client),
            server(ex),
            from.min(to) + 4,
            y - 6,
            escape(&record.redact(&label))
        );
    }
    out.push_str("</svg>\n");
    out
}

fn cell(jar: &[JarCookie]) -> String {
    if jar.is_empty() {
        return "<span class=\"empty\">empty</span>".into();
    }
    jar.iter()
        .map(|c| {
            let name = if c.name.starts_with("csrf_token_") {
                "csrf_token_…"
            } else {
                c.name.as_str()
            };
            let variant = if c.host_only {
                format!("host-only {}", c.domain)
            } else {
                format!("Domain={}", c.domain)
            };
            format!(
                "<span class=\"cookie\" data-cookie=\"{}\" data-host-only=\"{}\">{} ({})</span>",
                escape(&c.name),
                c.host_only,
                escape(name),
                escape(&variant)
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The jar timeline: a row per step, a column per client, each cell the contract cookies that
/// client's jar holds after the step (a client keeps its jar through steps of other clients).
pub(super) fn jar_timeline(record: &Record) -> String {
    let steps = &record.result.steps;
    let mut clients: Vec<&str> = Vec::new();
    for s in steps {
        if !clients.contains(&s.client.as_str()) {
            clients.push(&s.client);
        }
    }
    let mut out = String::from("<table class=\"jar\"><thead><tr><th>after step</th>");
    for c in &clients {
        let _ = write!(out, "<th>[{}]</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>\n");
    let mut held: Vec<Vec<JarCookie>> = vec![Vec::new(); clients.len()];
    for s in steps {
        if let Some(i) = clients.iter().position(|c| *c == s.client) {
            held[i] = s.jar_after.clone();
        }
        let _ = write!(
            out,
            "<tr><th>{} {}</th>",
            s.index,
            escape(&record.redact(&s.label))
        );
        for (i, c) in clients.iter().enumerate() {
            let _ = write!(
                out,
                "<td data-client=\"{}\" data-step=\"{}\">{}</td>",
                escape(c),
                s.index,
                cell(&held[i])
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_no_secret, failing};
    use super::*;
    use regex::Regex;

    #[test]
    fn one_lane_per_client_and_server_and_one_arrow_per_exchange() {
        let record = failing();
        let svg = sequence(&record);
        let lanes: Vec<String> = Regex::new(r#"<g class="lane (\w+)" data-lane="([^"]+)""#)
            .unwrap()
            .captures_iter(&svg)
            .map(|c| format!("{}:{}", &c[1], &c[2]))
            .collect();
        assert_eq!(
            lanes,
            [
                "client:default",
                "server:kratos public",
                "server:kratos admin",
                "server:openapp"
            ]
        );
        let arrows: Vec<(String, String)> =
            Regex::new(r#"<g class="arrow \w+" data-step="(\d+)"[^>]* data-status="([^"]+)""#)
                .unwrap()
                .captures_iter(&svg)
                .map(|c| (c[1].to_string(), c[2].to_string()))
                .collect();
        let recorded: Vec<(String, String)> = record
            .result
            .steps
            .iter()
            .flat_map(|s| {
                s.exchanges.iter().map(move |ex| {
                    (
                        s.index.to_string(),
                        ex.response.as_ref().unwrap().status.to_string(),
                    )
                })
            })
            .collect();
        assert_eq!(arrows, recorded);
        assert!(svg.contains("sets ory_kratos_session (Domain=)"), "{svg}");
        assert_no_secret(&svg);
    }

    #[test]
    fn the_jar_timeline_is_the_jar_after_each_step() {
        let record = failing();
        let table = jar_timeline(&record);
        let cells: Vec<(String, String)> =
            Regex::new(r#"<td data-client="default" data-step="(\d+)">(.*?)</td>"#)
                .unwrap()
                .captures_iter(&table)
                .map(|c| (c[1].to_string(), c[2].to_string()))
                .collect();
        assert_eq!(cells.len(), record.result.steps.len());
        assert!(
            cells[0]
                .1
                .contains("data-cookie=\"ory_kratos_session\" data-host-only=\"false\"")
        );
        assert!(cells[1].1.contains("empty"), "{cells:?}");
    }
}
