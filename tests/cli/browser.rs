//! The HTML report in a real headless browser (Debian's `chromium`): the report of a run with
//! one failing scenario is loaded, its DOM dumped and a screenshot taken; the failing scenario
//! must be shown as failing (its row, its open section, red pixels on the page).
//!
//! Skipped with a message when no chromium is installed, unless
//! `OPENAPP_CONFORMANCE_REQUIRE_BROWSER=1` (set by `.ci/run`, whose `.ci/setup` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::stack::{run_with, text};

const FAILING: &str = "core::r15_sign_out_is_logout";

/// The browser binary: `$CHROMIUM`, else `chromium` or `chromium-browser` on the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless chromium on a file with extra arguments, killing it after a minute.
fn headless(browser: &Path, profile: &Path, page: &Path, args: &[&str]) -> Output {
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--window-size=1280,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let id = child.id();
    let started = Instant::now();
    let waiter = std::thread::spawn(move || child.wait_with_output());
    while !waiter.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "chromium (pid {id}) did not finish within a minute"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    waiter
        .join()
        .expect("waiter thread")
        .expect("chromium output")
}

/// Pixels of the screenshot close to an RGB colour.
fn pixels_near(png_path: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).expect("screenshot exists"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p.len() >= 3 && (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 12))
        .count()
}

#[test]
fn the_html_report_shows_the_failing_scenario_in_a_browser() {
    let Some(browser) = chromium() else {
        let required = std::env::var("OPENAPP_CONFORMANCE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "chromium is required here but not installed (run .ci/setup)"
        );
        eprintln!(
            "skipped: no chromium on the PATH (install Debian's `chromium`, or run .ci/setup)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = run_with(
        &["run", "--exact", FAILING, "--html", page.to_str().unwrap()],
        &[(
            "OPENAPP_CONFORMANCE_FAULT".into(),
            "sign-out-missing".into(),
        )],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    let profile = dir.path().join("profile");
    let dom = headless(&browser, &profile, &page, &["--dump-dom"]);
    let dom = text(&dom.stdout);
    assert!(
        dom.contains(&format!(
            "<tr class=\"failed\" data-outcome=\"failed\" data-trial=\"{FAILING}\">"
        )),
        "the browser's DOM has no failing row for {FAILING}:\n{dom}"
    );
    assert!(dom.contains("<div id=\"summary\" data-outcome=\"failed\">"));
    assert!(dom.contains("[R15"), "the failure cites R15");
    assert_eq!(dom.matches("<tr class=").count(), 1, "one scenario only");
    // The pictures survive the browser's parser: the SVG with its arrows, the jar timeline.
    assert!(dom.contains("<svg class=\"sequence\""), "{dom}");
    assert!(dom.matches("<g class=\"arrow ").count() >= 3, "{dom}");
    assert!(dom.contains("<table class=\"jar\">"), "{dom}");

    let shot = dir.path().join("report.png");
    let run = headless(
        &browser,
        &profile,
        &page,
        &[&format!("--screenshot={}", shot.display())],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot of {size} bytes: {}",
        text(&run.stderr)
    );
    let red = pixels_near(&shot, [0xcf, 0x22, 0x2e]);
    let failed_row = pixels_near(&shot, [0xff, 0xeb, 0xe9]);
    assert!(red > 500, "only {red} red pixels: the failure is not shown");
    assert!(
        failed_row > 5_000,
        "only {failed_row} pixels of the failed row's background"
    );
    if let Some(keep) = std::env::var_os("OPENAPP_CONFORMANCE_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&shot, keep);
    }
}
