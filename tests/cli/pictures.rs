//! Issue 20 §2: the HTML report's pictures, tested by their structure on a real fault run. The
//! run writes the HTML and the JSON report; for every scenario section the sequence SVG (parsed
//! as XML) has one lane per client and per server and one arrow per exchange of the JSON
//! report's steps, with its status, and the jar timeline's cells are the JSON report's jar after
//! each step. Failing scenarios come first.

use regex::Regex;
use serde_json::Value;

use super::stack::{run_with, text};

#[test]
fn the_fault_reports_pictures_match_what_the_run_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (html, json) = (dir.path().join("r.html"), dir.path().join("r.json"));
    let out = run_with(
        &[
            "run",
            "--fault",
            "logout-no-domain-variant",
            "--html",
            html.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let page = std::fs::read_to_string(&html).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();

    // Failing rows first.
    let rows: Vec<&str> = Regex::new(r#"<tr class="(\w+)" data-outcome"#)
        .unwrap()
        .captures_iter(&page)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let first_pass = rows
        .iter()
        .position(|r| *r != "failed")
        .unwrap_or(rows.len());
    assert!(
        first_pass > 0 && rows[first_pass..].iter().all(|r| *r != "failed"),
        "{rows:?}"
    );

    let section =
        Regex::new(r#"(?s)<details class="scenario \w+" id="s-([^"]+)".*?</details>"#).unwrap();
    let cell = Regex::new(r#"<td data-client="([^"]+)" data-step="(\d+)">(.*?)</td>"#).unwrap();
    let cookie = Regex::new(r#"data-cookie="([^"]+)" data-host-only="(\w+)""#).unwrap();
    let mut checked = 0;
    for scenario in doc["scenarios"].as_array().unwrap() {
        let anchor = scenario["id"].as_str().unwrap().replace(['/', ':'], "-");
        let body = section
            .captures_iter(&page)
            .find(|c| c[1] == anchor)
            .map(|c| c[0].to_string())
            .unwrap_or_else(|| panic!("no section for {anchor}"));
        let steps = scenario["steps"].as_array().unwrap();
        if steps.is_empty() {
            continue;
        }
        let svg = &body[body.find("<svg").unwrap()..body.find("</svg>").unwrap() + 6];
        let xml =
            roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{anchor}: {e}\n{svg}"));
        let groups = |class: &str| -> Vec<roxmltree::Node<'_, '_>> {
            xml.descendants()
                .filter(|n| {
                    n.attribute("class")
                        .is_some_and(|c| c.split(' ').next() == Some(class))
                })
                .collect()
        };
        let lanes: Vec<&str> = groups("lane")
            .iter()
            .filter_map(|n| n.attribute("data-lane"))
            .collect();
        let mut clients: Vec<&str> = Vec::new();
        for s in steps {
            let c = s["client"].as_str().unwrap();
            if !clients.contains(&c) {
                clients.push(c);
            }
        }
        for lane in clients
            .iter()
            .chain(&["kratos public", "kratos admin", "openapp"])
        {
            assert_eq!(
                lanes.iter().filter(|l| *l == lane).count(),
                1,
                "{anchor}: lane {lane} in {lanes:?}"
            );
        }
        let arrows: Vec<(String, String)> = groups("arrow")
            .iter()
            .filter(|n| n.attribute("data-step") != Some("0"))
            .map(|n| {
                (
                    n.attribute("data-step").unwrap().to_string(),
                    n.attribute("data-status").unwrap().to_string(),
                )
            })
            .collect();
        let recorded: Vec<(String, String)> = steps
            .iter()
            .flat_map(|s| {
                s["exchanges"].as_array().unwrap().iter().map(move |ex| {
                    let status = ex["status"]
                        .as_u64()
                        .map_or("no response".to_string(), |v| v.to_string());
                    (s["index"].to_string(), status)
                })
            })
            .collect();
        assert_eq!(
            arrows, recorded,
            "{anchor}: one arrow per exchange, with its status"
        );

        let mut last: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
        for s in steps {
            let jar: Vec<(String, String)> = s["jar"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap().to_string(),
                        c["host_only"].to_string(),
                    )
                })
                .collect();
            last.insert(s["client"].as_str().unwrap().to_string(), jar);
            let index = &s["index"].to_string();
            for c in cell.captures_iter(&body).filter(|c| c[2] == *index) {
                let shown: Vec<(String, String)> = cookie
                    .captures_iter(&c[3])
                    .map(|k| (k[1].to_string(), k[2].to_string()))
                    .collect();
                assert_eq!(
                    shown,
                    last.get(&c[1]).cloned().unwrap_or_default(),
                    "{anchor}: jar of [{}] after step {}",
                    &c[1],
                    &c[2]
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} scenarios checked");
}
